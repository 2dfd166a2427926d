/**
 * Opaque keyset cursors for every library list. A cursor names the last row
 * of a page by the values the list is ordered on (`created_at` as Postgres
 * text, so microseconds survive; an id; a search rank), plus the list it
 * belongs to, so a trash cursor is refused by the asset list. Cursors are not
 * signed: a forged one only moves the caller within rows the access filter
 * already allows.
 */
import { AppError } from '../errors.ts';

export type CursorKind = 'assets' | 'trash' | 'search' | 'collections' | 'items' | 'tags';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Postgres `timestamptz::text`: `2026-11-25 12:00:00.123456+00` (offset may carry minutes). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
/** A float4 as Postgres prints it (`0.1`, `1e-05`, `0`). */
const PG_REAL = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/;
const INTEGER = /^\d{1,9}$/;

/** What each slot of a cursor must look like. */
export const slot = {
  uuid: (v: string) => UUID.test(v),
  timestamp: (v: string) => PG_TIMESTAMP.test(v),
  real: (v: string) => PG_REAL.test(v),
  integer: (v: string) => INTEGER.test(v),
  text: (v: string) => v.length <= 256,
} as const;

const toBase64Url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

function fromBase64Url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replaceAll('-', '+').replaceAll('_', '/'));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}

export function encodeCursor(kind: CursorKind, values: readonly string[]): string {
  return toBase64Url(JSON.stringify([kind, ...values]));
}

export const invalidCursor = () =>
  new AppError('validation_failed', 'The request is invalid.', {
    details: { fields: [{ field: 'cursor', code: 'invalid_cursor', message: 'Not a cursor of this list.' }] },
  });

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
