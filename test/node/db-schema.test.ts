/**
 * One repository suite, run against embedded PGlite and against Debian's
 * PostgreSQL reached through @neondatabase/serverless and the WebSocket relay
 * (the path the edge uses in production).
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../shared/db/pglite.ts';
import { assets, derivatives, grants, users } from '../../shared/db/schema.ts';

const TABLES = [
  'api_keys',
  'asset_subtitles',
  'asset_tags',
  'assets',
  'audit_log',
  'collection_items',
  'collections',
  'derivatives',
  'grants',
  'group_members',
  'groups',
  'jobs',
  'link_uploads',
  'org_invitations',
  'org_members',
  'orgs',
  'passkeys',
  'rate_counters',
  'recovery_codes',
  'refresh_tokens',
  'share_links',
  'tags',
  'uploads',
  'user_totp',
  'users',
  'webauthn_challenges',
  'webhook_deliveries',
  'webhook_endpoints',
];

interface Target {
  name: string;
  driver: 'pglite' | 'neon';
  open(): Promise<DatabaseHandle>;
}

const neonOpts = () => ({ wsProxy: inject('pgWsProxy'), secure: false, webSocketConstructor: ws });

const targets: Target[] = [
  { name: 'PGlite (embedded)', driver: 'pglite', open: () => openPgliteDatabase() },
  {
    name: 'PostgreSQL (Debian) via @neondatabase/serverless',
    driver: 'neon',
    async open() {
      // A fresh database per run so suites never see each other's rows.
      const admin = openNeonDatabase({ url: inject('pgUrl'), ...neonOpts() });
      const name = `t_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      await admin.db.execute(sql.raw(`create database ${name}`));
      await admin.close();
      return openNeonDatabase({ url: inject('pgUrl').replace(/\/postgres$/, `/${name}`), ...neonOpts() });
    },
  },
];

async function rows<T>(db: Database, q: ReturnType<typeof sql>): Promise<T[]> {
  const res = (await db.execute(q)) as unknown as { rows: T[] };
  return res.rows;
}

describe.each(targets)('schema on $name', ({ driver, open }) => {
  let handle: DatabaseHandle;
  let db: Database;

  beforeAll(async () => {
    handle = await open();
    db = handle.db;
    await applyMigrations(db, driver);
  });
  afterAll(async () => handle?.close());

  const newUser = async (email = `u${Math.random().toString(36).slice(2)}@example.test`) =>
    (await db.insert(users).values({ email, name: 'U', passwordHash: 'h' }).returning())[0]!;

  it('creates every table of the data model', async () => {
    const found = await rows<{ tablename: string }>(
      db,
      sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
    );
    expect(found.map((r) => r.tablename)).toEqual(TABLES);
  });

  it('applies migrations once: a second run changes nothing', async () => {
    const before = await rows<{ n: string }>(db, sql`select count(*)::text as n from drizzle.__drizzle_migrations`);
    await applyMigrations(db, driver);
    const after = await rows<{ n: string }>(db, sql`select count(*)::text as n from drizzle.__drizzle_migrations`);
    expect(after).toEqual(before);
    expect(Number(before[0]!.n)).toBeGreaterThan(0);
  });

  it('indexes the search vector with GIN', async () => {
    const idx = await rows<{ indexdef: string }>(
      db,
      sql`select indexdef from pg_indexes where tablename = 'assets' and indexname = 'assets_search_idx'`,
    );
    expect(idx[0]?.indexdef).toMatch(/USING gin \(search_vector\)/);
  });

  it('ranks full-text matches across filename, title, description, tags and metadata', async () => {
    const owner = await newUser();
    const base = { ownerId: owner.id, declaredType: 'image/jpeg', size: 1 };
    await db.insert(assets).values([
      { ...base, filename: 'IMG_0001.jpg', title: 'Sunset over the harbour' },
      { ...base, filename: 'IMG_0002.jpg', description: 'Children running on the beach at sunset' },
      { ...base, filename: 'IMG_0003.jpg', tagsText: 'sunset holiday' },
      { ...base, filename: 'IMG_0004.jpg', metadata: { camera: 'Fujifilm X100V', place: 'Sunset Boulevard' } },
      { ...base, filename: 'receipt.pdf', title: 'Hardware receipt' },
    ]);
    const q = sql`websearch_to_tsquery('simple', 'sunset')`;
    const hits = await db
      .select({ filename: assets.filename, rank: sql<number>`ts_rank(${assets.searchVector}, ${q})` })
      .from(assets)
      .where(and(eq(assets.ownerId, owner.id), sql`${assets.searchVector} @@ ${q}`))
      .orderBy(desc(sql`ts_rank(${assets.searchVector}, ${q})`), assets.filename);
    expect(hits.map((h) => h.filename).sort()).toEqual(['IMG_0001.jpg', 'IMG_0002.jpg', 'IMG_0003.jpg', 'IMG_0004.jpg']);
    // Title (weight A) outranks metadata (weight C).
    expect(hits[0]!.filename).toBe('IMG_0001.jpg');
    expect(hits.at(-1)!.filename).toBe('IMG_0004.jpg');

    // English stemming on descriptions: "run" finds "running".
    const stem = await db
      .select({ filename: assets.filename })
      .from(assets)
      .where(and(eq(assets.ownerId, owner.id), sql`${assets.searchVector} @@ websearch_to_tsquery('english', 'run')`));
    expect(stem.map((s) => s.filename)).toEqual(['IMG_0002.jpg']);

    // The filename itself is searchable, and metadata values too.
    const byName = await db
      .select({ id: assets.id })
      .from(assets)
      .where(and(eq(assets.ownerId, owner.id), sql`${assets.searchVector} @@ websearch_to_tsquery('simple', 'receipt.pdf')`));
    expect(byName).toHaveLength(1);
    const byCamera = await db
      .select({ id: assets.id })
      .from(assets)
      .where(and(eq(assets.ownerId, owner.id), sql`${assets.searchVector} @@ websearch_to_tsquery('simple', 'fujifilm')`));
    expect(byCamera).toHaveLength(1);
  });

  it('keeps emails unique regardless of case', async () => {
    await newUser('Case@Example.test');
    await expect(newUser('case@example.TEST')).rejects.toThrow();
  });

  it('defaults an asset to private and pending', async () => {
    const owner = await newUser();
    const [a] = await db.insert(assets).values({ ownerId: owner.id, filename: 'x', declaredType: 'x/y', size: 0 }).returning();
    expect(a).toMatchObject({ visibility: 'private', status: 'pending', metadata: {}, deletedAt: null });
  });

  it('refuses a status outside the enum', async () => {
    const owner = await newUser();
    await expect(
      db.execute(sql`insert into assets (owner_id, filename, declared_type, size, status) values (${owner.id}, 'x', 'x', 1, 'bogus')`),
    ).rejects.toThrow();
  });

  it("deletes an asset's derivatives with it and keeps one row per variant", async () => {
    const owner = await newUser();
    const [a] = await db.insert(assets).values({ ownerId: owner.id, filename: 'v.mp4', declaredType: 'video/mp4', size: 5 }).returning();
    await db.insert(derivatives).values({ assetId: a!.id, kind: 'w640.webp', key: `${a!.id}/w640.webp`, contentType: 'image/webp' });
    await expect(
      db.insert(derivatives).values({ assetId: a!.id, kind: 'w640.webp', key: 'dup', contentType: 'image/webp' }),
    ).rejects.toThrow();
    await db.delete(assets).where(eq(assets.id, a!.id));
    expect(await db.select().from(derivatives).where(eq(derivatives.assetId, a!.id))).toEqual([]);
  });

  it('holds one grant per resource and principal', async () => {
    const owner = await newUser();
    const other = await newUser();
    const g = {
      resourceType: 'asset' as const,
      resourceId: crypto.randomUUID(),
      principalType: 'user' as const,
      principalId: other.id,
      grantedBy: owner.id,
    };
    await db.insert(grants).values({ ...g, permission: 'view' });
    await expect(db.insert(grants).values({ ...g, permission: 'edit' })).rejects.toThrow();
  });

  it('rolls a failed transaction back completely', async () => {
    const email = `tx${Date.now()}@example.test`;
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(users).values({ email, name: 'T', passwordHash: 'h' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  it('stores big sizes (5 GB) exactly', async () => {
    const owner = await newUser();
    const size = 5 * 1024 ** 3;
    const [a] = await db.insert(assets).values({ ownerId: owner.id, filename: 'big', declaredType: 'video/mp4', size }).returning();
    expect(a!.size).toBe(size);
  });
});
