/**
 * fast-check arbitraries for the API fuzzer: values that fit a JSON Schema
 * (drawn from the seeded world's ids where a UUID is asked), and values that
 * do not — wrong types, huge or negative numbers, huge strings, strings with
 * NUL, bidi, invisible, C1 or unpaired-surrogate characters, deep nesting.
 */
import fc from 'fast-check';
import type { JsonSchema } from './fuzz-doc.ts';

/** Characters that must never reach storage or a page unnoticed (NUL first: Postgres text refuses it). */
export const NASTY_CHARS = [
  '\u0000',
  '\u202E',
  '\u2066',
  '\u200F',
  '\u061C',
  '\u200B',
  '\uFEFF',
  '\u0085',
  '\u009B',
  '\u0007',
  '\r',
  '\uD800',
  '\uDC00',
  '\uFFFF',
  '\u2028',
];

/** One nasty character, NUL half the time. */
export const nastyChar = fc.oneof(
  { arbitrary: fc.constant('\u0000'), weight: 1 },
  { arbitrary: fc.constantFrom(...NASTY_CHARS.slice(1)), weight: 1 },
);

/** `text` with a nasty character put somewhere in it. */
export const withNasty = (text: fc.Arbitrary<string>) =>
  fc.tuple(text, nastyChar, fc.nat()).map(([t, c, at]) => `${t.slice(0, at % (t.length + 1))}${c}${t.slice(at % (t.length + 1))}`);

/** Text with one of {@link NASTY_CHARS} somewhere in it. */
export const nastyString = withNasty(fc.string({ maxLength: 24 }));

const hugeString = fc.constantFrom(2_000, 70_000).map((n) => 'x'.repeat(n));

/** Nested arrays or objects `depth` levels deep. */
export const deepValue = fc.tuple(fc.integer({ min: 30, max: 2_000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

/** Anything but what a field asks for. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  hugeString,
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, -1, 0, 0.5, -0.0, 1e-320),
  fc.constantFrom(true, false, null, '', ' ', '1e999999', 'NaN', '-1', '__proto__', '../../etc/passwd', '<script>x</script>'),
  fc.constantFrom([], {}, [null], JSON.parse('{"__proto__":{"admin":true}}'), { constructor: { prototype: 1 } }),
  deepValue,
);

export interface Pools {
  /** Real ids of the seeded world (and any id seen in an answer since). */
  uuids: string[];
  /** Real `nextCursor`s, by the operation path that gave them (`/api/assets`, `/api/share/{token}`). */
  cursors: Record<string, string[]>;
}

const boundedLength = (s: JsonSchema) => ({
  minLength: s.minLength ?? 0,
  maxLength: Math.min(s.maxLength ?? 40, Math.max(s.minLength ?? 0, 40)),
});

function typeOf(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null') ?? 'null';
  return s.type ?? (s.properties ? 'object' : undefined);
}

/** A value the schema accepts (or nearly: formats beyond uuid, email and date-time are drawn as plain strings). */
export function validValue(s: JsonSchema, pools: Pools, depth = 0): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.const !== undefined) return fc.constant(s.const);
  const options = s.anyOf ?? s.oneOf;
  if (options && options.length > 0) return fc.oneof(...options.map((o) => validValue(o, pools, depth + 1)));
  if (s.allOf && s.allOf.length > 0) return validValue(Object.assign({}, ...s.allOf), pools, depth + 1);
  const nullable = Array.isArray(s.type) && s.type.includes('null');
  const base = baseValue(s, pools, depth);
  return nullable ? fc.oneof({ arbitrary: base, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : base;
}

function baseValue(s: JsonSchema, pools: Pools, depth: number): fc.Arbitrary<unknown> {
  switch (typeOf(s)) {
    case 'string':
      if (s.format === 'uuid')
        return fc.oneof({ arbitrary: fc.constantFrom(...pools.uuids), weight: 4 }, { arbitrary: fc.uuid(), weight: 1 });
      if (s.format === 'email') return fc.emailAddress();
      if (s.format === 'date-time')
        return fc.integer({ min: -86_400, max: 400 * 86_400 }).map((sec) => new Date(Date.now() + sec * 1000).toISOString());
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
      return fc.string(boundedLength(s));
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -(2 ** 40)), max: Math.min(s.maximum ?? 1_000_000, 2 ** 40) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (depth > 6) return fc.constant([]);
      return fc.array(validValue(s.items ?? {}, pools, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      if (depth > 6) return fc.constant({});
      const props = s.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, validValue(v, pools, depth + 1)]));
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean());
  }
}

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const unb64url = (s: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0)));

const BAD_STAMPS = [
  '2026-02-30 12:00:00+00',
  '2026-13-45 99:99:99+00',
  '0000-00-00 00:00:00+00',
  '2026-01-01 24:00:00+00',
  '2026-01-01 00:00:00+99:99',
  '99999-01-01 00:00:00+00',
  'yesterday',
];
const BAD_NUMBERS = [
  '1e999999',
  '1e-999',
  '-1',
  'NaN',
  'Infinity',
  '1e39',
  '2147483648',
  '99999999999',
  '-2147483649',
  '9'.repeat(40),
  '0x10',
];
const BAD_IDS = ['------------------------------------', '00000000-0000-0000-0000-00000000000G', 'A'.repeat(36), ''];

/** What a forged cursor slot may hold: impossible dates, out-of-range numbers, ids that are not UUIDs, NUL, other types. */
const slotValue = fc.oneof(
  fc.constantFrom(...BAD_STAMPS, ...BAD_NUMBERS, ...BAD_IDS),
  nastyString,
  fc.constantFrom(1, -1, 1e308, null, [], {}, true),
);

/** A wrong value of the same kind as `was` (a date for a date, a number for a number, an id for an id), or anything wrong. */
const wrongLike = (was: unknown): fc.Arbitrary<unknown> => {
  const text = String(was);
  const like = /^\d{4}-/.test(text)
    ? BAD_STAMPS
    : /^-?[\d.]+(e[+-]?\d+)?$/.test(text)
      ? BAD_NUMBERS
      : /^[0-9a-f-]{36}$/.test(text)
        ? BAD_IDS
        : null;
  return like ? fc.oneof({ arbitrary: fc.constantFrom(...like), weight: 3 }, { arbitrary: slotValue, weight: 1 }) : slotValue;
};

/** The slots of a cursor: a JSON array (library lists) or `position:id` (share links). */
function slotsOf(cursor: string): { slots: unknown[]; json: boolean } | null {
  try {
    const text = unb64url(cursor);
    try {
      const slots = JSON.parse(text) as unknown;
      if (Array.isArray(slots) && slots.length > 1) return { slots, json: true };
    } catch {
      // not JSON: a share cursor
    }
    return { slots: text.split(':'), json: false };
  } catch {
    return null;
  }
}

/** A real cursor with one slot replaced by a wrong value of its kind (the list's name is kept). */
export function mutated(cursor: string): fc.Arbitrary<string> {
  const parsed = slotsOf(cursor);
  if (!parsed) return fc.constant(cursor);
  const first = parsed.json ? 1 : 0;
  return fc.integer({ min: first, max: parsed.slots.length - 1 }).chain((i) =>
    wrongLike(parsed.slots[i]).map((value) => {
      const slots = [...parsed.slots];
      slots[i] = value;
      return b64url(
        parsed.json
          ? JSON.stringify(slots)
          : slots
              .map(String)
              .join(':')
              .replace(/[\uD800-\uDFFF]/g, '?'),
      );
    }),
  );
}

/** Forged pagination cursors: mostly this list's own real cursors with one slot wrong, some random ones. */
export function cursorValue(pools: Pools, path: string): fc.Arbitrary<string> {
  const own = pools.cursors[path] ?? [];
  const any = Object.values(pools.cursors).flat();
  const random = fc.oneof(
    fc
      .tuple(fc.constantFrom('assets', 'trash', 'search', 'collections', 'items', 'tags', 'nope'), fc.array(slotValue, { maxLength: 4 }))
      .map(([k, slots]) => b64url(JSON.stringify([k, ...slots]))),
    fc.constantFrom('', '!!!', 'AAAA', '%00', b64url('\u0000'), b64url('["assets"]'), 'x'.repeat(600)),
  );
  const options = [{ arbitrary: random, weight: 1 }];
  if (own.length > 0) options.push({ arbitrary: fc.constantFrom(...own).chain(mutated), weight: 6 });
  if (any.length > 0) options.push({ arbitrary: fc.constantFrom(...any), weight: 1 });
  return fc.oneof(...options);
}

/** A raw, already percent-encoded query or path text that no schema accepts. */
export const hostileRaw = fc.oneof(
  fc.constantFrom(
    '%00',
    'a%00b',
    '%FF',
    '%ED%A0%80',
    '%C0%AF',
    '%',
    '%2',
    '%E2%80%AE',
    '%C2%85',
    '..',
    '%2e%2e%2f',
    '%2F',
    '-1',
    '1e999999',
    '0x10',
    'null',
  ),
  fc.constantFrom(3_000, 9_000).map((n) => 'a'.repeat(n)),
  nastyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))),
);
