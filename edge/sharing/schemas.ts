/**
 * zod pieces shared by the sharing routes (orgs, groups, grants, share links,
 * audit). Bodies are strict objects: an unknown field is a validation error,
 * not silently ignored.
 */
import { z } from '@hono/zod-openapi';
import { permissions } from '../../shared/policy/access.ts';
import { uuidParam } from '../api/router.ts';
import { safeText } from '../api/text.ts';

export const resourceTypeSchema = z.enum(['asset', 'collection']).openapi({ description: 'What a grant or link is on.' });
export const principalTypeSchema = z.enum(['user', 'group', 'org']);
export const permissionSchema = z.enum(permissions).openapi({ description: 'view < download < edit < manage' });
export const orgRoleSchema = z.enum(['owner', 'admin', 'member']);

/** An ISO 8601 instant with an offset (`2030-01-01T00:00:00Z`). */
export const instantSchema = z.iso.datetime({ offset: true }).openapi({ format: 'date-time' });

/** A name shown to people: trimmed, 1-100 characters of safe text (../api/text.ts). */
export const displayName = safeText({ min: 1, max: 100, trim: true });

export const idParams = z.object({ id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }) });
export const idAndUserParams = z.object({
  id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }),
  userId: uuidParam.openapi({ param: { name: 'userId', in: 'path' } }),
});

/** `?resourceType=&resourceId=`: the resource whose grants, links or audit rows are listed. */
export const resourceQuery = z.object({
  resourceType: resourceTypeSchema.openapi({ param: { name: 'resourceType', in: 'query' } }),
  resourceId: uuidParam.openapi({ param: { name: 'resourceId', in: 'query' } }),
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

// The body helper of every OpenAPI route (read by the one reader, edge/api/json-body.ts).
export { jsonBody } from '../api/router.ts';

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d === null ? null : d.toISOString());
