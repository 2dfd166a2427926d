/**
 * Gives the least-privilege roles (shared/db/migrations/0005_least_privilege_roles.sql)
 * the passwords their Secrets Manager secrets hold. Run after `npm run migrate`,
 * as the master user, through the same relay settings (DATABASE_URL,
 * DATABASE_WS_PROXY, DATABASE_WS_SECURE, DATABASE_RELAY_KEY); the secrets'
 * JSON comes on stdin, one per line:
 *
 *   for r in edge pipeline purge; do aws secretsmanager get-secret-value \
 *     --secret-id media-prod/db/$r --query SecretString --output text; done \
 *     | node --import tsx scripts/db-role-passwords.ts
 */
import { sql } from 'drizzle-orm';
import { pathToFileURL } from 'node:url';
import ws from 'ws';
import { originDatabaseSchema, parseConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';

export const ROLES = ['media_edge', 'media_pipeline', 'media_purge'] as const;

/** Parses one secret line; refuses unknown roles and empty passwords. */
export function parseRoleSecret(line: string): { username: (typeof ROLES)[number]; password: string } {
  const v = JSON.parse(line) as { username?: unknown; password?: unknown };
  if (typeof v.username !== 'string' || !(ROLES as readonly string[]).includes(v.username)) {
    throw new Error(`secret names role ${String(v.username)}, expected one of ${ROLES.join(', ')}`);
  }
  if (typeof v.password !== 'string' || v.password.length < 16)
    throw new Error(`secret of ${v.username} has no password of 16+ characters`);
  return { username: v.username as (typeof ROLES)[number], password: v.password };
}

/** ALTER ROLE ... PASSWORD, hashed by the server with SCRAM (what RDS Proxy requires). */
export async function setRolePassword(db: Database, role: (typeof ROLES)[number], password: string): Promise<void> {
  // ALTER ROLE takes no bind parameters: a standard-conforming literal with quotes doubled.
  const literal = `'${password.replace(/'/g, "''")}'`;
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw("set local password_encryption = 'scram-sha-256'"));
    await tx.execute(sql.raw(`alter role ${role} with password ${literal}`));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = parseConfig(originDatabaseSchema, process.env);
  if (!env.DATABASE_URL) throw new Error('set DATABASE_URL (the master user) and the relay settings');
  const input = (await new Response(process.stdin as unknown as ReadableStream).text()).split('\n').filter((l) => l.trim());
  const secrets = input.map(parseRoleSecret);
  const handle = openNeonDatabase({
    url: env.DATABASE_URL,
    wsProxy: env.DATABASE_WS_PROXY,
    secure: env.DATABASE_WS_SECURE,
    ...(env.DATABASE_RELAY_KEY ? { relayKey: env.DATABASE_RELAY_KEY } : {}),
    webSocketConstructor: ws,
    max: 1,
  });
  try {
    for (const s of secrets) {
      await setRolePassword(handle.db, s.username, s.password);
      console.log(`password set for ${s.username}`);
    }
  } finally {
    await handle.close();
  }
}
