/**
 * The one cursor codec: opaque keyset cursors for every list of the API (the
 * library's lists, a shared collection's items). A cursor names the last row
 * of a page by the values the list is ordered on (`created_at` as Postgres
 * text, so microseconds survive; an id; a search rank; a position), plus the
 * list it belongs to, so a trash cursor is refused by the asset list. Cursors
 * are not signed: a forged one only moves the caller within rows the access
 * filter already allows. Every slot is checked before a query sees it.
 */
import { base64url } from 'jose';
import { isUuid } from '../../shared/ids.ts';
import { unsafeString } from './text.ts';
import { validationFailed } from './validation.ts';

export type CursorKind = 'assets' | 'trash' | 'search' | 'collections' | 'items' | 'tags' | 'shared-items' | 'timeline';

/** Postgres `timestamptz::text`: `2026-11-25 12:00:00.123456+00` (offset may carry minutes). */
const PG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?$/;
/** A float4 as Postgres prints it (`0.1`, `1e-05`, `0`). */
const PG_REAL = /^\d{1,12}(\.\d{1,12})?(e[+-]?\d{1,3})?$/;
/** A non-negative int4 (positions): at most 2^31 - 1. */
const INT4_MAX = 2 ** 31 - 1;

/**
 * A date Postgres will take back: the shape it prints, and a real calendar
 * instant (no 2026-02-30, no hour 24, year 1-9999, offset within ±15:59), so
 * a forged cursor is a 400 here and never a cast error in the database.
 */
function isTimestamp(v: string): boolean {
  const m = PG_TIMESTAMP.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offsetHours, offsetMinutes] = [Number(m[8]), Number(m[9] ?? 0)];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 15 || offsetMinutes > 59)
    return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day >= 1 && day <= days;
}

/**
 * A ts_rank_cd value as printed: finite, not negative, and within what a
 * float4 holds (Postgres refuses `1e39` and `1e-46` as out of range).
 */
function isRank(v: string): boolean {
  if (!PG_REAL.test(v)) return false;
  const n = Number(v);
  // A zero must be written as one: `1e-999` is 0 to JavaScript and an underflow error to Postgres.
  if (n === 0) return !/[1-9]/.test(v.split('e')[0]!);
  return Number.isFinite(n) && n >= 1e-37 && n <= 1e38;
}

/** What each slot of a cursor must look like. */
export const slot = {
  uuid: isUuid,
  timestamp: isTimestamp,
  real: isRank,
  integer: (v: string) => /^\d{1,10}$/.test(v) && Number(v) <= INT4_MAX,
  // Names travel as text; NUL (refused by Postgres) and unpaired surrogates never were one.
  text: (v: string) => v.length <= 256 && unsafeString(v) === null,
} as const;

function fromBase64Url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64url.decode(s));
  } catch {
    return null;
  }
}

export function encodeCursor(kind: CursorKind, values: readonly string[]): string {
  return base64url.encode(JSON.stringify([kind, ...values]));
}

export const invalidCursor = () => validationFailed([{ field: 'cursor', code: 'invalid_cursor', message: 'Not a cursor of this list.' }]);

/**
 * The values of a cursor made by {@link encodeCursor} for `kind`, checked
 * slot by slot. @throws 400 validation_failed (field `cursor`) otherwise.
 */
export function decodeCursor(kind: CursorKind, raw: string, shape: readonly ((v: string) => boolean)[]): string[] {
  const text = fromBase64Url(raw);
  let parsed: unknown;
  try {
    parsed = text === null ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== kind) throw invalidCursor();
  const values = parsed.slice(1);
  if (!values.every((v, i) => typeof v === 'string' && shape[i]!(v))) throw invalidCursor();
  return values as string[];
}

/** Splits a page fetched with `limit + 1` rows into the page and the next cursor. */
export function page<R>(rows: R[], limit: number, kind: CursorKind, key: (row: R) => string[]): { rows: R[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const kept = rows.slice(0, limit);
  return { rows: kept, nextCursor: encodeCursor(kind, key(kept[kept.length - 1]!)) };
}
