/**
 * Moved: the one JSON body reader is edge/api/json-body.ts. This re-export
 * keeps routes that still import the old path working until they move.
 */
export { BODY_LIMITS, readJson, readJsonBody } from './api/json-body.ts';
export { fieldIssues, type FieldIssue } from './api/validation.ts';
