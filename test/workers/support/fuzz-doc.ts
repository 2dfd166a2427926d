/**
 * The operations of the edge's own `/api/openapi.json`, as the fuzzer needs
 * them: method, path template, path and query parameters with their JSON
 * Schemas, the JSON body schema (`$ref`s resolved), and whether an
 * anonymous caller may call it. Read from the running edge, so routes added
 * while this suite exists are fuzzed without being named here.
 */
import { SELF } from 'cloudflare:test';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** `/api/assets/{id}`. */
  path: string;
  params: Param[];
  body?: JsonSchema;
  /** Callable without credentials (no security, or `{}` among its options). */
  anonymous: boolean;
}

interface RawOperation {
  parameters?: { name: string; in: Param['in']; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, unknown>[];
}

interface Doc {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Inlines `#/components/schemas/...` references (the document has no cycles). */
function resolve(schema: JsonSchema, doc: Doc, depth = 0): JsonSchema {
  if (depth > 20) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(doc.components?.schemas?.[name] ?? {}, doc, depth + 1);
  }
  const out: JsonSchema = { ...schema };
  if (schema.items) out.items = resolve(schema.items, doc, depth + 1);
  if (schema.properties)
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, doc, depth + 1)]));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (schema[key]) out[key] = schema[key]!.map((s) => resolve(s, doc, depth + 1));
  return out;
}

export async function loadOperations(): Promise<Operation[]> {
  const res = await SELF.fetch('https://edge.test/api/openapi.json');
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  const doc = (await res.json()) as Doc;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const body = raw.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (raw.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required === true,
          schema: resolve(p.schema ?? {}, doc),
        })),
        ...(body ? { body: resolve(body, doc) } : {}),
        anonymous: !raw.security || raw.security.some((s) => Object.keys(s).length === 0),
      });
    }
  }
  return ops;
}
