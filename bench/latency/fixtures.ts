/**
 * The world the round-trip table is measured in: an owner with a library of
 * ready images (derivatives in the database and in S3), a viewer holding a
 * view grant on one of them, a public one, and a share link. Accounts and
 * the link are made through the API (real password hashes, signed link
 * token); the library rows and objects are written directly, uncounted.
 */
import { assets, derivatives, grants } from '../../shared/db/schema.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import { S3Client } from '../../edge/storage/s3-client.ts';
import type { Topology } from './topology.ts';

export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface World {
  owner: Account;
  viewer: Account;
  /** The owner's private asset the viewer may view (grant) and the share link names. */
  assetId: string;
  publicId: string;
  /** A private asset of the owner's that the viewer cannot see. */
  privateId: string;
  shareToken: string;
}

let ip = 0;
/** A client address of its own per call, so the per-client auth limit never interferes. */
export const freshClient = () => {
  ip++;
  return `198.51.${Math.floor(ip / 250) % 250}.${(ip % 250) + 1}`;
};

export async function call(
  edgeUrl: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; cookie?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'cf-connecting-ip': freshClient(), ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${edgeUrl}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
  const body = await res.arrayBuffer();
  return { res, body };
}

const json = (body: ArrayBuffer) => JSON.parse(new TextDecoder().decode(body));

async function register(edgeUrl: string, name: string): Promise<Account> {
  const email = `${name}-${crypto.randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  const { res, body } = await call(edgeUrl, 'POST', '/api/auth/register', { json: { email, password, name } });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${new TextDecoder().decode(body)}`);
  const b = json(body);
  return { id: b.user.id, email, password, token: b.accessToken };
}

export async function seedWorld(t: Topology, libraryRows = 40): Promise<World> {
  const owner = await register(t.edgeUrl, 'owner');
  const viewer = await register(t.edgeUrl, 'viewer');
  const db = t.db.db;
  const rows = await db
    .insert(assets)
    .values(
      Array.from({ length: libraryRows }, (_, i) => ({
        ownerId: owner.id,
        filename: `holiday-${String(i).padStart(3, '0')}.jpg`,
        declaredType: 'image/jpeg',
        detectedType: 'image/jpeg',
        size: 1000 + i,
        status: 'ready' as const,
        ...(i === 1 ? { visibility: 'public' as const, visibilitySetBy: owner.id } : {}),
      })),
    )
    .returning({ id: assets.id });
  const ids = rows.map((r) => r.id);
  const storage = new S3Client({ endpoint: t.s3Endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const small = new Uint8Array(4096);
  for (const kind of ['w150.webp', 'w320.webp', 'w640.webp', 'w1024.webp']) {
    await db.insert(derivatives).values(
      ids.map((assetId) => ({
        assetId,
        kind,
        key: derivativeKey(assetId, kind),
        contentType: 'image/webp',
        size: small.byteLength,
        status: 'ready' as const,
      })),
    );
  }
  for (const id of ids.slice(0, 2)) {
    await storage.put('derivatives', derivativeKey(id, 'w320.webp'), small, { contentType: 'image/webp' });
  }
  const [assetId, publicId, privateId] = ids as [string, string, string];
  await db.insert(grants).values({
    resourceType: 'asset',
    resourceId: assetId,
    principalType: 'user',
    principalId: viewer.id,
    permission: 'view',
    grantedBy: owner.id,
  });
  const link = await call(t.edgeUrl, 'POST', '/api/share-links', {
    token: owner.token,
    json: { resourceType: 'asset', resourceId: assetId, permission: 'view' },
  });
  if (link.res.status !== 201) throw new Error(`share link: ${link.res.status} ${new TextDecoder().decode(link.body)}`);
  return { owner, viewer, assetId, publicId, privateId, shareToken: json(link.body).token };
}
