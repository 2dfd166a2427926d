/**
 * Fixtures for workerd tests: the same database (through the production
 * driver), storage client and signing keys the edge under test uses, read
 * from its bindings. Every row gets fresh ids, so test files never collide.
 */
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { edgeConfigSchema, parseConfig } from '../../../shared/config.ts';
import type { Database } from '../../../shared/db/database.ts';
import { openNeonDatabase } from '../../../shared/db/neon.ts';
import { assets, users } from '../../../shared/db/schema.ts';
import { originalKey, derivativeKey } from '../../../shared/storage/keys.ts';
import { S3Client } from '../../../edge/storage/s3-client.ts';
import { KeySet, signAccessToken } from '../../../shared/tokens/index.ts';

export const bindings = env as unknown as Record<string, string>;
export const config = parseConfig(edgeConfigSchema, bindings);
export const party = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };

export const storage = new S3Client({
  endpoint: config.S3_ENDPOINT,
  region: config.S3_REGION,
  accessKeyId: config.S3_ACCESS_KEY_ID,
  secretAccessKey: config.S3_SECRET_ACCESS_KEY,
  forcePathStyle: config.S3_FORCE_PATH_STYLE,
});

let keySet: Promise<KeySet> | undefined;
/** The edge's own key set (active key signs). */
export function keys(): Promise<KeySet> {
  const { active, keys: jwks } = config.AUTH_SIGNING_KEYS;
  const activeJwk = jwks.find((k) => k.kid === active)!;
  keySet ??= KeySet.fromJwks(
    activeJwk,
    jwks.filter((k) => k !== activeJwk),
  );
  return keySet;
}

/** Runs `fn` with a database pool that is closed afterwards (workerd forbids reusing sockets across requests). */
export async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const handle = openNeonDatabase({ url: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY, secure: false, max: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

export const uid = () => crypto.randomUUID();

export async function createUser(db: Database, name = 'user'): Promise<string> {
  const [u] = await db
    .insert(users)
    .values({ email: `${name}-${uid()}@example.test`, name, passwordHash: 'unusable' })
    .returning({ id: users.id });
  return u!.id;
}

export async function createAsset(db: Database, ownerId: string, fields: Partial<typeof assets.$inferInsert> = {}): Promise<string> {
  const [a] = await db
    .insert(assets)
    // A public asset was made public by its owner unless the test says who.
    .values({
      ownerId,
      filename: 'photo.jpg',
      declaredType: 'image/jpeg',
      size: 1,
      status: 'ready',
      visibilitySetBy: fields.visibility === 'public' ? ownerId : null,
      ...fields,
    })
    .returning({ id: assets.id });
  return a!.id;
}

/** Stores bytes as an asset's variant (`original` in the raw bucket, the rest in derivatives). */
export async function putVariant(assetId: string, variant: string, body: Uint8Array | string, contentType: string) {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const [bucket, key] =
    variant === 'original' ? [config.S3_BUCKET_RAW, originalKey(assetId)] : [config.S3_BUCKET_DERIVATIVES, derivativeKey(assetId, variant)];
  await storage.put(bucket, key, bytes, { contentType, contentLength: bytes.byteLength });
}

const sessions = new Map<string, Promise<string>>();

/**
 * A live login session (a refresh-token family) of `userId`, made once per
 * user: writes refuse a token whose `sid` names no live family
 * (edge/auth/live-session.ts). Nothing is inserted for an unknown user.
 */
function sessionOf(userId: string): Promise<string> {
  let sid = sessions.get(userId);
  if (!sid) {
    const familyId = uid();
    sid = withDb(async (db) => {
      await db.execute(sql`insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
        select id, ${familyId}, ${`fixture-${familyId}`}, now() + interval '1 day' from users where id::text = ${userId}`);
      return familyId;
    });
    sessions.set(userId, sid);
  }
  return sid;
}

export async function bearer(userId: string): Promise<Record<string, string>> {
  const { token } = await signAccessToken(await keys(), { ...party, sub: userId, sid: await sessionOf(userId) });
  return { authorization: `Bearer ${token}` };
}

/** Bytes whose value at i is i mod 251 (a prime, so slices are distinguishable). */
export const patterned = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
