/**
 * What s3rver lacks or gets wrong, served in S3's own XML shapes after
 * s3rver's own SigV4 check, from the same folders s3rver writes:
 * - ListParts, AbortMultipartUpload, ListMultipartUploads (s3rver: 405);
 * - UploadPart to an upload that does not exist (s3rver stores it anyway;
 *   S3 answers NoSuchUpload);
 * - ListObjectsV2, because s3rver's continuation tokens use DES, which
 *   OpenSSL 3 (Node 18+) refuses, so every truncated listing fails with 500,
 *   and it escapes keys twice (`it&amp;#x27;s`).
 * - ListObjectVersions (s3rver: 405) and DELETE with `versionId`. s3rver
 *   keeps no versions, so these answer as S3 does for a bucket whose
 *   versioning was never enabled: every object is its only version, with
 *   VersionId `null`, and `versionId=null` deletes it. Older versions and
 *   delete markers cannot be exercised locally.
 * A local stand-in only: AWS S3 implements all of these itself.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type S3rver from '@20minutes/s3rver';
import authentication from '@20minutes/s3rver/lib/middleware/authentication.js';
import { escapeXml } from '../edge/storage/xml.ts';

type Store = S3rver['store'];
type Ctx = Parameters<S3rver['middleware'][number]>[0];

const xmlHead = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function noSuchUpload(ctx: Ctx, uploadId: string): void {
  ctx.status = 404;
  ctx.type = 'application/xml';
  ctx.body = `${xmlHead}<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escapeXml(uploadId)}</UploadId></Error>`;
}

async function uploadKey(dir: string): Promise<string | null> {
  try {
    return (await readFile(path.join(dir, 'key'))).toString();
  } catch {
    return null;
  }
}

async function listParts(ctx: Ctx, dir: string, bucket: string, key: string, uploadId: string) {
  const names = (await readdir(dir))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  const marker = Number(ctx.query['part-number-marker'] ?? 0);
  const max = Math.min(Number(ctx.query['max-parts'] ?? 1000) || 1000, 1000);
  const page = names.filter((n) => n > marker).slice(0, max);
  const parts = await Promise.all(
    page.map(async (n) => {
      const file = path.join(dir, String(n));
      // s3rver writes a part's `.md5` once its bytes are all in: without it the
      // part is still arriving (or its request died), and S3 would not list it.
      const md5 = await readFile(`${file}.md5`, 'utf8').catch(() => null);
      if (md5 === null) return '';
      const st = await stat(file);
      return `<Part><PartNumber>${n}</PartNumber><LastModified>${st.mtime.toISOString()}</LastModified><ETag>&quot;${md5.trim()}&quot;</ETag><Size>${st.size}</Size></Part>`;
    }),
  );
  const last = page.at(-1) ?? marker;
  const truncated = names.some((n) => n > last);
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `${xmlHead}<ListPartsResult ${NS}><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId><PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${last}</NextPartNumberMarker><MaxParts>${max}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListPartsResult>`;
}

async function listUploads(ctx: Ctx, store: Store, bucket: string) {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  const ids = await readdir(root).catch(() => [] as string[]);
  const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
  const uploads: string[] = [];
  for (const id of ids) {
    const dir = path.join(root, id);
    const key = await uploadKey(dir);
    if (key === null || !key.startsWith(prefix)) continue;
    const st = await stat(dir);
    uploads.push(
      `<Upload><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(id)}</UploadId><Initiated>${st.birthtime.toISOString()}</Initiated></Upload>`,
    );
  }
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `${xmlHead}<ListMultipartUploadsResult ${NS}><Bucket>${escapeXml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
}

interface StoreListing {
  objects: { key: string; size: number; lastModifiedDate: Date; metadata: { etag: string } }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

async function listObjectsV2(ctx: Ctx, store: Store, bucket: string) {
  if (!(await (store as unknown as { getBucket(b: string): Promise<unknown> }).getBucket(bucket))) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = `${xmlHead}<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>${escapeXml(bucket)}</BucketName></Error>`;
    return;
  }
  const q = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  const token = q('continuation-token');
  const startAfter = token ? Buffer.from(token, 'base64url').toString('utf8') : q('start-after');
  const maxKeys = Math.max(0, Math.min(1000, Number(q('max-keys') ?? 1000) || 0));
  const prefix = q('prefix') ?? '';
  const delimiter = q('delimiter');
  const result: StoreListing =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false }
      : await (store as unknown as { listObjects(b: string, o: object): Promise<StoreListing> }).listObjects(bucket, {
          prefix,
          maxKeys,
          ...(startAfter ? { startAfter } : {}),
          ...(delimiter ? { delimiter } : {}),
        });
  const last = result.objects.at(-1)?.key;
  const next = result.isTruncated && last ? Buffer.from(last, 'utf8').toString('base64url') : undefined;
  const contents = result.objects
    .map(
      (o) =>
        `<Contents><Key>${escapeXml(o.key)}</Key><LastModified>${o.lastModifiedDate.toISOString()}</LastModified><ETag>${escapeXml(o.metadata.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const prefixes = result.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`).join('');
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `${xmlHead}<ListBucketResult ${NS}><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${result.objects.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${result.isTruncated}</IsTruncated>${token ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : ''}${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}${contents}${prefixes}</ListBucketResult>`;
}

async function listObjectVersions(ctx: Ctx, store: Store, bucket: string) {
  const q = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  const prefix = q('prefix') ?? '';
  const keyMarker = q('key-marker');
  const maxKeys = Math.max(1, Math.min(1000, Number(q('max-keys') ?? 1000) || 1000));
  const result = await (store as unknown as { listObjects(b: string, o: object): Promise<StoreListing> }).listObjects(bucket, {
    prefix,
    maxKeys,
    ...(keyMarker ? { startAfter: keyMarker } : {}),
  });
  const last = result.objects.at(-1)?.key;
  const versions = result.objects
    .map(
      (o) =>
        `<Version><Key>${escapeXml(o.key)}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>${o.lastModifiedDate.toISOString()}</LastModified><ETag>${escapeXml(o.metadata.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Version>`,
    )
    .join('');
  const next =
    result.isTruncated && last ? `<NextKeyMarker>${escapeXml(last)}</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>` : '';
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `${xmlHead}<ListVersionsResult ${NS}><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyMarker>${escapeXml(keyMarker ?? '')}</KeyMarker><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${result.isTruncated}</IsTruncated>${next}${versions}</ListVersionsResult>`;
}

/** Koa middleware that serves the missing calls and passes everything else on. */
export function s3rverExtensions(store: Store) {
  const auth = authentication();
  return async (ctx: Ctx, next: () => Promise<void>) => {
    const m = /^\/([^/]+)(?:\/(.+))?$/.exec(ctx.path);
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    const bucket = m?.[1];
    const key = m?.[2] ? decodeURIComponent(m[2]) : undefined;
    const isListParts = ctx.method === 'GET' && key && uploadId !== undefined;
    const isAbort = ctx.method === 'DELETE' && key && uploadId !== undefined;
    // s3rver stores a part for any upload id, creating its folder; S3 answers NoSuchUpload.
    const isUploadPart = ctx.method === 'PUT' && key && uploadId !== undefined && 'partNumber' in ctx.query;
    const isListUploads = ctx.method === 'GET' && !key && 'uploads' in ctx.query;
    const isListV2 = ctx.method === 'GET' && !key && ctx.query['list-type'] === '2';
    const isListVersions = ctx.method === 'GET' && !key && 'versions' in ctx.query;
    const versionId = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
    // versionId=null is the object itself: s3rver's own DELETE handles it. Any other id names a version that cannot exist here.
    const isBadVersionDelete = ctx.method === 'DELETE' && key && versionId !== undefined && versionId !== 'null';
    if (!bucket || !(isListParts || isAbort || isUploadPart || isListUploads || isListV2 || isListVersions || isBadVersionDelete))
      return next();

    ctx.params = { bucket, ...(key ? { key } : {}) };
    await auth(ctx, async () => {
      if (isListUploads) return listUploads(ctx, store, bucket);
      if (isListV2) return listObjectsV2(ctx, store, bucket);
      if (isListVersions) return listObjectVersions(ctx, store, bucket);
      if (isBadVersionDelete) {
        ctx.status = 400;
        ctx.type = 'application/xml';
        ctx.body = `${xmlHead}<Error><Code>InvalidArgument</Code><Message>Invalid version id specified</Message></Error>`;
        return;
      }
      const id = uploadId as string;
      if (!/^[0-9a-f]+$/i.test(id)) return noSuchUpload(ctx, id);
      const dir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), id);
      if ((await uploadKey(dir)) !== key) return noSuchUpload(ctx, id);
      if (isUploadPart) return next();
      if (isListParts) return listParts(ctx, dir, bucket, key as string, id);
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
    });
  };
}
