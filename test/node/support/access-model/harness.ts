/**
 * The system under test for the access model: the edge bundled exactly as it
 * deploys, served by workerd (Miniflare) and pointed at a fresh database of
 * its own on the global setup's Debian PostgreSQL through the production
 * driver's WebSocket relay, with the global S3 server for bytes. Users
 * register through the API once per file; every run of the model makes its
 * own assets, collections, orgs and groups, so runs never see each other's
 * resources (only the users are shared).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import ws from 'ws';
import { inject } from 'vitest';
import { bundleEdge, repoRoot, startEdge, type EdgeRuntime } from '../../../../local/edge-runtime.ts';
import { applyMigrations } from '../../../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../../../shared/db/neon.ts';
import { S3Client } from '../../../../edge/storage/s3-client.ts';
import { generateSigningKey } from '../../../../shared/tokens/index.ts';
import { createClient, type Client } from './http.ts';

export interface User {
  idx: number;
  id: string;
  email: string;
  name: string;
  token: string;
  /** Org invitations sent (the edge allows 50 per inviter per hour). */
  invitesSent: number;
}

export interface Harness {
  client: Client;
  /** The users of the current run (see `cast`). */
  users: User[];
  /**
   * The users for the next run: the same accounts, except that one close to
   * the invitation limit is replaced by a fresh registration (runs never
   * share resources, so who plays u0 does not matter).
   */
  cast(): Promise<Harness>;
  storage: S3Client;
  /** A tiny PNG every upload sends as its original. */
  png: Uint8Array<ArrayBuffer>;
  /** True when the edge serves org invitations (else members are added directly). */
  invitations: boolean;
  close(): Promise<void>;
}

const conn = () => ({ wsProxy: inject('pgWsProxy'), secure: false, webSocketConstructor: ws });

/** A new database on the global PostgreSQL, migrated; returns its URL. */
async function freshDatabase(): Promise<string> {
  const admin = openNeonDatabase({ url: inject('pgUrl'), ...conn() });
  const name = `access_model_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.db.execute(sql.raw(`create database ${name}`));
  await admin.close();
  const url = inject('pgUrl').replace(/\/postgres$/, `/${name}`);
  const handle = openNeonDatabase({ url, ...conn(), max: 1 });
  try {
    await applyMigrations(handle.db, 'neon');
  } finally {
    await handle.close();
  }
  return url;
}

export async function startHarness(userCount: number): Promise<Harness> {
  // One bundle folder per checkout, reused while no edge source is newer (bundleEdge checks).
  const buildDir = path.join(os.tmpdir(), 'access-model-edge', createHash('sha1').update(repoRoot).digest('hex').slice(0, 12));
  const [scriptPath, dbUrl, key] = await Promise.all([bundleEdge(buildDir), freshDatabase(), generateSigningKey()]);
  const bindings = {
    APP_ENV: 'test',
    S3_ENDPOINT: inject('s3Endpoint'),
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_BUCKET_RAW: 'raw',
    S3_BUCKET_DERIVATIVES: 'derivatives',
    S3_FORCE_PATH_STYLE: 'true',
    DATABASE_URL: dbUrl,
    DATABASE_WS_PROXY: inject('pgWsProxy'),
    DATABASE_WS_SECURE: 'false',
    AUTH_SIGNING_KEYS: JSON.stringify({ active: key.kid, keys: [key] }),
    AUTH_ISSUER: 'http://access-model.test',
    AUTH_AUDIENCE: 'media-platform',
  };
  const edge: EdgeRuntime = await startEdge({ scriptPath, port: 0, bindings });
  try {
    const client = createClient(edge.url);
    const register = async (idx: number): Promise<User> => {
      const name = `u${idx}`;
      const email = `am-${name}-${crypto.randomUUID()}@example.test`;
      const res = await client.call('POST', '/api/auth/register', { json: { email, password: 'correct horse battery staple', name } });
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${res.text}`);
      return { idx, id: res.body.user.id, email, name, token: res.body.accessToken, invitesSent: 0 };
    };
    const users = await Promise.all(Array.from({ length: userCount }, (_, i) => register(i)));
    const spec = await client.call('GET', '/api/openapi.json');
    const invitations = Boolean(spec.body?.paths?.['/api/orgs/{id}/invitations']);
    const storage = new S3Client({ endpoint: inject('s3Endpoint'), region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const encoded = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 200, g: 30, b: 90 } } })
      .png()
      .toBuffer();
    const png = new Uint8Array(new ArrayBuffer(encoded.byteLength));
    png.set(encoded);
    const harness: Harness = {
      client,
      users,
      storage,
      png,
      invitations,
      async cast() {
        for (const u of users) if (u.invitesSent > 25) users[u.idx] = await register(u.idx);
        return { ...harness, users: [...users] };
      },
      close: () => edge.close(),
    };
    return harness;
  } catch (err) {
    await edge.close();
    throw err;
  }
}
