/**
 * Rows of a raw `db.execute(sql...)`. The shared `Database` type is generic
 * over its driver, so drizzle types the raw result as `unknown`; both drivers
 * we run (node-postgres-style neon Pool and PGlite) answer `{ rows: [...] }`.
 */
export function rowsOf<T>(result: unknown): T[] {
  const rows = (result as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new Error('unexpected raw query result shape');
  return rows as T[];
}
