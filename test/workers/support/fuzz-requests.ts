/**
 * One fuzzed request for one operation of the document: who calls (the
 * world's owner, another user, nobody, or a broken credential), path
 * parameters (the world's real ids, random ones, hostile text), a query
 * string (valid, forged cursors, hostile encodings, extra names) and a body
 * (valid, one field hostile, a required field missing, an extra field,
 * another type, invalid UTF-8, wrong or no Content-Type, empty, oversize).
 */
import fc from 'fast-check';
import type { JsonSchema, Operation } from './fuzz-doc.ts';
import { cursorValue, deepValue, hostileRaw, hostileValue, mutated, validValue, withNasty, type Pools } from './fuzz-values.ts';

export const CALLERS = ['owner', 'stranger', 'anonymous', 'broken'] as const;
export type Caller = (typeof CALLERS)[number];

export interface FuzzWorld {
  pools: Pools;
  /** Ids by the path segment that names their kind (`assets`, `orgs`, `share-links`, ...). */
  byKind: Record<string, string[]>;
  /** Share-link tokens (real, expired, forged). */
  tokens: string[];
  auth: Record<'owner' | 'stranger', Record<string, string>>;
  /** First pages of the paginated lists, by operation path: the next page is asked for with a forged cursor. */
  pages: Record<string, Page[]>;
}

/** A list's first page as it was asked for, and the cursor it answered. */
export interface Page {
  path: string;
  query: string;
  caller: Caller;
  cursor: string;
}

export interface FuzzRequest {
  caller: Caller;
  method: string;
  /** Path and query, already percent-encoded. */
  url: string;
  headers: Record<string, string>;
  /** Text, or raw bytes as a number list (printable in a counterexample). */
  body?: string | number[];
}

const BROKEN_AUTH = [
  'Bearer ',
  'Bearer x.y.z',
  'Basic dXNlcjpwYXNz',
  'bearer',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  `Bearer ${'A'.repeat(5000)}`,
];

/**
 * The Authorization header a caller sends. The owner's and the stranger's
 * real tokens are added when the request is sent (./fuzz-check.ts), so a
 * printed counterexample names the caller instead of carrying a JWT.
 */
export const authFor = (caller: Caller): fc.Arbitrary<Record<string, string>> =>
  caller === 'broken' ? fc.constantFrom(...BROKEN_AUTH).map((authorization) => ({ authorization })) : fc.constant({});

/** One piece of a request, valid or not. */
interface Part<T> {
  valid: fc.Arbitrary<T>;
  hostile: fc.Arbitrary<T>;
}

function pathPart(world: FuzzWorld, op: Operation, name: string, schema: JsonSchema): Part<string> {
  if (schema.format !== 'uuid' && name !== 'token') {
    // Slashes stay: `hls/master.m3u8` is a variant of two segments.
    return { valid: validValue(schema, world.pools).map((v) => encodeURIComponent(String(v)).replaceAll('%2F', '/')), hostile: hostileRaw };
  }
  if (name === 'token') return { valid: fc.constantFrom(...world.tokens), hostile: hostileRaw };
  const segments = op.path.split('/');
  const kind = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
  const own = name === 'userId' ? world.byKind.users : name === 'assetId' ? world.byKind.assets : world.byKind[kind];
  return {
    valid: fc.oneof(
      { arbitrary: fc.constantFrom(...(own && own.length > 0 ? own : world.pools.uuids)), weight: 5 },
      { arbitrary: fc.constantFrom(...world.pools.uuids), weight: 2 },
      { arbitrary: fc.uuid(), weight: 1 },
    ),
    hostile: hostileRaw,
  };
}

const noSurrogates = (s: string) => s.replace(/[\uD800-\uDFFF]/g, '?');

function queryPart(world: FuzzWorld, op: Operation, name: string, schema: JsonSchema, required: boolean): Part<string | null> {
  const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (name === 'cursor') {
    // A valid cursor is a real one of this list (or none); a hostile one is forged.
    const own = world.pools.cursors[op.path] ?? [];
    return {
      valid:
        own.length > 0
          ? fc.option(
              fc.constantFrom(...own).map((c) => `cursor=${c}`),
              { nil: null },
            )
          : fc.constant(null),
      hostile: fc.oneof(
        { arbitrary: cursorValue(world.pools, op.path).map((c) => `cursor=${encodeURIComponent(c)}`), weight: 5 },
        { arbitrary: hostileRaw.map((raw) => `cursor=${raw}`), weight: 1 },
      ),
    };
  }
  const value = validValue(schema, world.pools).map(asText);
  const valid = value.map((v) => `${name}=${encodeURIComponent(v)}`);
  return {
    valid: required ? valid : fc.oneof({ arbitrary: valid, weight: 2 }, { arbitrary: fc.constant(null), weight: 1 }),
    hostile: fc.oneof(
      { arbitrary: withNasty(value).map((v) => `${name}=${encodeURIComponent(noSurrogates(v))}`), weight: 4 },
      { arbitrary: hostileRaw.map((raw) => `${name}=${raw}`), weight: 2 },
      { arbitrary: fc.constant(required ? null : `${name}=`), weight: 1 },
    ),
  };
}

/** Header values a client could send (no CR, LF or NUL: fetch refuses those) that no header means. */
const HOSTILE_HEADERS = [
  '',
  ' ',
  'bytes=',
  'bytes=abc',
  'bytes=-0',
  'bytes=5-1',
  'bytes=0-0,'.repeat(40),
  'bytes=99999999999999999999-',
  'items=0-1',
  '*',
  'W/',
  '"',
  'Thu, 31 Feb 2026 25:00:00 GMT',
  '-1',
  'x'.repeat(6000),
];

function headerPart(world: FuzzWorld, name: string, schema: JsonSchema): Part<[string, string] | null> {
  return {
    valid: fc.option(
      validValue(schema, world.pools).map((v): [string, string] => [name, String(v)]),
      { nil: null },
    ),
    hostile: fc.constantFrom(...HOSTILE_HEADERS).map((v): [string, string] => [name, v]),
  };
}

/** Bytes that are not UTF-8: a lone continuation byte, an overlong `/`, a CESU-8 surrogate, a truncated sequence. */
const BAD_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]];

type Body = { body?: string | number[]; type?: string };

function bodyPart(world: FuzzWorld, schema: JsonSchema): Part<Body> {
  const valid = validValue(schema, world.pools);
  const keys = Object.keys(schema.properties ?? {});
  const json = (v: unknown) => ({ body: JSON.stringify(v), type: 'application/json' });
  const withField = (f: (o: Record<string, unknown>, k: string) => void) =>
    fc.tuple(valid, fc.constantFrom(...(keys.length > 0 ? keys : ['x']))).map(([v, k]) => {
      const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
      f(o, k);
      return o;
    });
  const badBytes = fc.tuple(fc.constantFrom(...(keys.length > 0 ? keys : ['x'])), fc.constantFrom(...BAD_UTF8)).map(([k, bad]) => ({
    body: [...new TextEncoder().encode(`{"${k}":"a`), ...bad, ...new TextEncoder().encode('b"}')],
    type: 'application/json',
  }));
  const hostile: fc.Arbitrary<Body> = fc.oneof(
    {
      arbitrary: fc
        .tuple(
          withField(() => {}),
          hostileValue,
        )
        .chain(([o, h]) => fc.constantFrom(...(keys.length > 0 ? keys : ['x'])).map((k) => json({ ...o, [k]: h }))),
      weight: 4,
    },
    { arbitrary: withField((o, k) => delete o[k]).map(json), weight: 1 },
    {
      arbitrary: fc
        .tuple(
          withField(() => {}),
          fc.string({ maxLength: 10 }),
          hostileValue,
        )
        .map(([o, k, h]) => json({ ...o, [`extra${k}`]: h })),
      weight: 1,
    },
    { arbitrary: fc.oneof(hostileValue, deepValue).map(json), weight: 1 },
    { arbitrary: badBytes, weight: 2 },
    {
      arbitrary: fc.record({
        body: fc.constantFrom(
          '',
          '{',
          '{"a":1',
          'null',
          '[]',
          '\uFEFF{}',
          '{"a":1,"a":2}',
          `${'['.repeat(6000)}${']'.repeat(6000)}`,
          'x'.repeat(17 * 1024),
          'x'.repeat(65 * 1024),
        ),
        type: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
      }),
      weight: 2,
    },
    {
      arbitrary: valid.chain((v) =>
        fc
          .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '')
          .map((type) => ({ body: JSON.stringify(v), type })),
      ),
      weight: 1,
    },
    { arbitrary: fc.constant({}), weight: 1 },
  );
  return { valid: valid.map(json), hostile };
}

const callers = fc.oneof(
  { arbitrary: fc.constant<Caller>('owner'), weight: 4 },
  { arbitrary: fc.constant<Caller>('stranger'), weight: 2 },
  { arbitrary: fc.constant<Caller>('anonymous'), weight: 1 },
  { arbitrary: fc.constant<Caller>('broken'), weight: 1 },
);

/**
 * Requests for one operation of the document. Each request has one focus,
 * the part made hostile while the rest stays valid (so the hostile part
 * reaches the code behind the checks it does not break), or none, or
 * (rarely) every part hostile at once.
 */
export function operationRequest(world: FuzzWorld, op: Operation): fc.Arbitrary<FuzzRequest> {
  const inPath = op.params.filter((p) => p.in === 'path');
  const inQuery = op.params.filter((p) => p.in === 'query');
  const inHeader = op.params.filter((p) => p.in === 'header');
  const paths = inPath.map((p) => pathPart(world, op, p.name, p.schema));
  const queries = inQuery.map((p) => queryPart(world, op, p.name, p.schema, p.required));
  const headers = inHeader.map((p) => headerPart(world, p.name, p.schema));
  const canSend = op.method !== 'GET' && op.method !== 'HEAD';
  // A route without a body gets one anyway now and then: it must be ignored or refused, never trip the route.
  const stray = fc.constantFrom<Body>(
    { body: 'x', type: 'text/plain' },
    { body: '{"a":1}', type: 'application/json' },
    { body: [0xff, 0xfe], type: 'application/json' },
  );
  const body: Part<Body> =
    op.body && canSend ? bodyPart(world, op.body) : { valid: fc.constant({}), hostile: canSend ? stray : fc.constant({}) };
  const parts = [...paths, ...queries, ...headers, body] as Part<unknown>[];
  // Where the hostile part goes: cursors and free text (what reaches SQL as text) most often, then bodies, then the rest; -1 none, -2 all.
  const freeText = (s: JsonSchema) => !s.enum && !s.format && !s.pattern && (s.type === 'string' || s.type === undefined);
  const weights = [
    ...inPath.map(() => 1),
    ...inQuery.map((p) => (p.name === 'cursor' ? 4 : freeText(p.schema) ? 3 : 1)),
    ...inHeader.map(() => 1),
    op.body && canSend ? 3 : canSend ? 1 : 0,
  ];
  const focus = fc.oneof(
    { arbitrary: fc.constant(-1), weight: 1 },
    { arbitrary: fc.constant(-2), weight: 1 },
    ...weights.flatMap((weight, i) => (weight > 0 ? [{ arbitrary: fc.constant(i), weight }] : [])),
  );
  // Now and then a parameter the operation does not name.
  const stranger = fc
    .tuple(fc.constantFrom('x', 'cursor', 'limit', '%00', 'a[b]', 'metadata[size]'), hostileRaw)
    .map(([k, v]) => `${k}=${v}`);
  const extra = fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary: stranger, weight: 1 });
  const composed = fc.tuple(focus, callers).chain(([f, caller]) =>
    fc
      .tuple(fc.tuple(...parts.map((p, i) => (f === -2 || i === f ? p.hostile : p.valid))), authFor(caller), extra)
      .map(([values, auth, more]) => {
        const at = (i: number) => values[i];
        const url = inPath.reduce((acc, p, i) => acc.replace(`{${p.name}}`, at(i) as string), op.path);
        const query = [...inQuery.map((_, i) => at(paths.length + i) as string | null), more]
          .filter((x): x is string => x !== null)
          .join('&');
        const sent = inHeader
          .map((_, i) => at(paths.length + queries.length + i) as [string, string] | null)
          .filter((x): x is [string, string] => x !== null);
        const b = at(parts.length - 1) as Body;
        return {
          caller,
          method: op.method,
          url: query ? `${url}?${query}` : url,
          headers: { ...Object.fromEntries(sent), ...auth, ...(b.type ? { 'content-type': b.type } : {}) },
          ...(b.body !== undefined ? { body: b.body } : {}),
        };
      }),
  );
  // The next page of a list, asked for as its first page was, with the cursor forged.
  const pages = world.pages[op.path] ?? [];
  if (pages.length === 0 || op.method !== 'GET') return composed;
  const nextPage = fc
    .constantFrom(...pages)
    .chain((p) =>
      mutated(p.cursor).map(
        (c): FuzzRequest => ({ caller: p.caller, method: 'GET', url: `${p.path}?${p.query}&cursor=${encodeURIComponent(c)}`, headers: {} }),
      ),
    );
  return fc.oneof({ arbitrary: composed, weight: 3 }, { arbitrary: nextPage, weight: 1 });
}
