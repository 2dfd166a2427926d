/**
 * The one UUID check: ids as this system makes them (`crypto.randomUUID()`)
 * and Postgres prints them, lower-case. Anything that reaches a `uuid` column
 * or a storage key is checked with this first, so a malformed id is a 404 or
 * 400 and never a cast error (a 500) in the database. (Request schemas use
 * zod's `z.uuid()`, edge/api/router.ts `uuidParam`.)
 */

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuid = (s: string): boolean => UUID_PATTERN.test(s);
