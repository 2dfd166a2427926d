/**
 * The purge on PGlite and PostgreSQL against the real S3 server: only assets
 * past retention go, with their original, derivatives, rows, grants and share
 * links, and an audit row. s3rver keeps no versions, so a second suite runs
 * the purge against a local HTTP server answering like a *versioned* S3
 * bucket (ListObjectVersions pages with delete markers; DeleteObjects with
 * version ids) to show every version is deleted and nothing else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredAssets, PURGE_ACTION } from '../../origin/pipeline/purge.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { auditLog, derivatives, grants, jobs, shareLinks } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { OriginStorage, openStorage } from '../../origin/core/storage.ts';
import { assetRow, clock, createAsset, DRIVERS, keysUnder, makeDeps, openDb, s3 } from './support/video-env.ts';

const DAY = 86_400_000;

describe.each(DRIVERS)('purge on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  const t = clock();
  const storage = s3();

  beforeAll(async () => {
    handle = await openDb(driver);
  });
  afterAll(async () => handle?.close());

  /** An asset with an original, two derivatives, a job, a derivative row, a grant and a share link. */
  async function asset(values: Parameters<typeof createAsset>[1]) {
    const id = await createAsset(handle.db, { status: 'ready', ...values });
    const [{ ownerId }] = [(await assetRow(handle.db, id))!];
    await storage.put('raw', originalKey(id), 'original bytes');
    await storage.put('derivatives', `${id}/hls/master.m3u8`, '#EXTM3U');
    await storage.put('derivatives', `${id}/poster.0000001.jpg`, 'jpg');
    await handle.db
      .insert(derivatives)
      .values({ assetId: id, kind: 'poster.jpg', key: `${id}/poster.0000001.jpg`, contentType: 'image/jpeg', status: 'ready' });
    await handle.db.insert(jobs).values({ assetId: id, type: 'transcode', status: 'succeeded' });
    await handle.db.insert(grants).values({
      resourceType: 'asset',
      resourceId: id,
      principalType: 'user',
      principalId: ownerId,
      permission: 'view',
      grantedBy: ownerId,
    });
    await handle.db
      .insert(shareLinks)
      .values({ resourceType: 'asset', resourceId: id, createdBy: ownerId, expiresAt: new Date(t.now().getTime() + DAY) });
    return id;
  }

  const objects = async (id: string) => [
    ...(await keysUnder(storage, 'raw', `${id}/`)),
    ...(await keysUnder(storage, 'derivatives', `${id}/`)),
  ];

  it('lists an unversioned object as its only version (local S3 server)', async () => {
    const id = await asset({});
    const versions = [];
    for await (const v of storage.listVersions('raw', originalKey(id))) versions.push(v);
    expect(versions).toEqual([{ key: originalKey(id), versionId: 'null', isLatest: true, deleteMarker: false, size: 14 }]);
  });

  it('deletes only assets past retention, with their bytes, rows, grants and links, and audits it', async () => {
    const now = t.now();
    const due = await asset({ deletedAt: new Date(now.getTime() - 400 * DAY), purgeAfter: new Date(now.getTime() - DAY) });
    const dueExactlyNow = await asset({ deletedAt: new Date(now.getTime() - 400 * DAY), purgeAfter: now });
    const retained = await asset({ deletedAt: new Date(now.getTime() - DAY), purgeAfter: new Date(now.getTime() + DAY) });
    const restored = await asset({ deletedAt: null, purgeAfter: new Date(now.getTime() - DAY) });
    const live = await asset({});
    const deps = makeDeps(handle.db, { now: t.now });

    const res = await purgeExpiredAssets(deps);
    expect(res.failed).toEqual([]);
    expect(res.purged.map((p) => p.assetId).sort()).toEqual([due, dueExactlyNow].sort());
    expect(res.purged.find((p) => p.assetId === due)).toEqual({ assetId: due, rawVersions: 1, derivativeVersions: 2 });

    for (const id of [due, dueExactlyNow]) {
      expect(await assetRow(handle.db, id)).toBeUndefined();
      expect(await objects(id)).toEqual([]);
      expect(await handle.db.select().from(derivatives).where(eq(derivatives.assetId, id))).toEqual([]);
      expect(await handle.db.select().from(jobs).where(eq(jobs.assetId, id))).toEqual([]);
      expect(await handle.db.select().from(grants).where(eq(grants.resourceId, id))).toEqual([]);
      expect(await handle.db.select().from(shareLinks).where(eq(shareLinks.resourceId, id))).toEqual([]);
    }
    const [audit] = await handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, PURGE_ACTION), eq(auditLog.resourceId, due)));
    expect(audit).toMatchObject({
      resourceType: 'asset',
      actorId: null,
      at: now,
      detail: expect.objectContaining({ filename: 'clip.mp4', rawVersions: 1, derivativeVersions: 2 }),
    });

    for (const id of [retained, restored, live]) {
      expect(await assetRow(handle.db, id)).toBeDefined();
      expect(await objects(id)).toHaveLength(3);
      expect(await handle.db.select().from(grants).where(eq(grants.resourceId, id))).toHaveLength(1);
    }
    expect((await purgeExpiredAssets(deps)).purged).toEqual([]);
  });

  it('keeps an asset eligible and whole in the database when deleting its bytes fails, and finishes it next run', async () => {
    const id = await asset({ deletedAt: new Date(t.now().getTime() - 2 * DAY), purgeAfter: new Date(t.now().getTime() - DAY) });
    class Failing extends OriginStorage {
      override async deleteObjects(bucket: string, objects: { key: string; versionId?: string }[]) {
        if (bucket === 'derivatives')
          throw new S3ServiceException({ name: 'SlowDown', message: 'try later', $fault: 'server', $metadata: { httpStatusCode: 503 } });
        return super.deleteObjects(bucket, objects);
      }
    }
    const failing = new Failing(storage.client);
    const res = await purgeExpiredAssets(makeDeps(handle.db, { now: t.now, storage: failing }));
    expect(res.failed).toEqual([{ assetId: id, error: expect.stringContaining('try later') }]);
    expect(await assetRow(handle.db, id)).toBeDefined();
    expect(await handle.db.select().from(auditLog).where(eq(auditLog.resourceId, id))).toEqual([]);
    expect(await handle.db.select().from(derivatives).where(eq(derivatives.assetId, id))).toHaveLength(1);
    const again = await purgeExpiredAssets(makeDeps(handle.db, { now: t.now }));
    expect(again.purged.map((p) => p.assetId)).toContain(id);
    expect(await objects(id)).toEqual([]);
  });
});

describe('purge against a versioned bucket', () => {
  let server: Server;
  let handle: DatabaseHandle;
  const deleted: string[] = [];
  const listed: string[] = [];
  let assetId: string;
  let other: string;

  /** Versions held by the fake buckets: [key, versionId, kind] per bucket. */
  const held = (bucket: string) =>
    ({
      'media-raw': [
        [`${assetId}/original`, 'v3', 'Version'],
        [`${assetId}/original`, 'dm2', 'DeleteMarker'],
        [`${assetId}/original`, 'v1', 'Version'],
        // Shares the prefix `{id}/original` but is another key: must survive.
        [`${assetId}/original.bak`, 'x1', 'Version'],
        [`${other}/original`, 'o1', 'Version'],
      ],
      'media-derivs': [
        [`${assetId}/hls/master.m3u8`, 'h2', 'Version'],
        [`${assetId}/hls/master.m3u8`, 'h1', 'Version'],
        [`${assetId}/poster.0000001.jpg`, 'p1', 'Version'],
        [`${other}/poster.0000001.jpg`, 'q1', 'Version'],
      ],
    })[bucket] ?? [];

  beforeAll(async () => {
    handle = await openDb('pglite');
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const [, bucket, ...rest] = url.pathname.split('/');
      if (req.method === 'POST' && url.searchParams.has('delete')) {
        // DeleteObjects: <Object><Key>k</Key><VersionId>v</VersionId></Object> per entry.
        let xml = '';
        req.on('data', (d: Buffer) => (xml += d));
        req.on('end', () => {
          for (const [, k, v] of xml.matchAll(/<Object><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId><\/Object>/g))
            deleted.push(`${bucket}:${k}?${v}`);
          res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><DeleteResult></DeleteResult>');
        });
        return;
      }
      if (rest.some(Boolean)) return res.writeHead(400).end();
      // ListObjectVersions, one entry per page, paged with key and version-id markers.
      listed.push(`${bucket}:${url.searchParams.get('prefix')}`);
      const prefix = url.searchParams.get('prefix') ?? '';
      const all = held(bucket!).filter(([k]) => k!.startsWith(prefix));
      const after = `${url.searchParams.get('key-marker') ?? ''}|${url.searchParams.get('version-id-marker') ?? ''}`;
      const start = after === '|' ? 0 : all.findIndex(([k, v]) => `${k}|${v}` === after) + 1;
      const page = all.slice(start, start + 1);
      const more = start + 1 < all.length;
      const body = page
        .map(
          ([k, v, kind]) =>
            `<${kind}><Key>${k}</Key><VersionId>${v}</VersionId><IsLatest>false</IsLatest>${kind === 'Version' ? '<Size>5</Size>' : ''}</${kind}>`,
        )
        .join('');
      const next = more ? `<NextKeyMarker>${page[0]![0]}</NextKeyMarker><NextVersionIdMarker>${page[0]![1]}</NextVersionIdMarker>` : '';
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0"?><ListVersionsResult><IsTruncated>${more}</IsTruncated>${next}${body}</ListVersionsResult>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await handle?.close();
  });

  it('deletes every version and delete marker of the original and of the derivatives, nothing else', async () => {
    const t = clock();
    assetId = await createAsset(handle.db, {
      deletedAt: new Date(t.now().getTime() - 2 * DAY),
      purgeAfter: new Date(t.now().getTime() - DAY),
    });
    other = await createAsset(handle.db);
    const storage = openStorage({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-central-1',
      accessKeyId: 'A',
      secretAccessKey: 'S',
    });
    const res = await purgeExpiredAssets(
      makeDeps(handle.db, { now: t.now, storage, buckets: { raw: 'media-raw', derivatives: 'media-derivs' } }),
    );
    expect(res.purged).toEqual([{ assetId, rawVersions: 3, derivativeVersions: 3 }]);
    // One entry per page: the listing followed NextKeyMarker/NextVersionIdMarker through 4 + 3 pages.
    expect(listed).toEqual([...Array(4).fill(`media-raw:${assetId}/original`), ...Array(3).fill(`media-derivs:${assetId}/`)]);
    expect(deleted.sort()).toEqual(
      [
        `media-raw:${assetId}/original?v3`,
        `media-raw:${assetId}/original?dm2`,
        `media-raw:${assetId}/original?v1`,
        `media-derivs:${assetId}/hls/master.m3u8?h2`,
        `media-derivs:${assetId}/hls/master.m3u8?h1`,
        `media-derivs:${assetId}/poster.0000001.jpg?p1`,
      ].sort(),
    );
    expect(await assetRow(handle.db, other)).toBeDefined();
  });
});
