/**
 * Image ingest end to end through the SQS handler: real sharp on generated
 * images, the real S3 server, PGlite. Derivatives are read back from storage
 * and checked with sharp and exifr, not taken on the pipeline's word.
 */
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  jobRow,
  makeDeps,
  openTestDatabase,
  readObject,
  storedKeys,
  uploadAsset,
} from './support/ingest-env.ts';
import { halfTransparentPng, pixelBombPng, sidewaysJpeg, smallJpeg } from './support/samples.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
});
afterAll(async () => handle?.close());

async function ingest(bytes: Buffer, extra: { declaredType?: string; filename?: string } = {}) {
  const id = await uploadAsset(deps, owner, { bytes, sha256: true, ...extra });
  const retry = await deliver(deps, id, bytes.length);
  return { id, retry, asset: await assetRow(handle.db, id), rows: await derivativeRows(handle.db, id) };
}

describe('image ingest', () => {
  it('turns a sideways JPEG upright, makes every width in WebP and JPEG, and strips EXIF from all of them', async () => {
    const { id, retry, asset, rows } = await ingest(await sidewaysJpeg(1200, 800), { declaredType: 'application/octet-stream' });
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({
      status: 'ready',
      statusReason: null,
      detectedType: 'image/jpeg',
      declaredType: 'application/octet-stream',
    });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    // Stored 1200x800 with orientation 6: displayed 800 wide, 1200 high.
    const expected: Record<number, [number, number]> = { 150: [150, 225], 320: [320, 480], 640: [640, 960], 1024: [800, 1200] };
    for (const row of rows) {
      const width = Number(/^w(\d+)\./.exec(row.kind)![1]);
      expect([row.width, row.height], row.kind).toEqual(expected[width]);
      expect(row).toMatchObject({ status: 'ready', key: derivativeKey(id, row.kind) });
      const bytes = await readObject(deps, 'derivatives', row.key);
      expect(row.size).toBe(bytes.length);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([...expected[width]!, row.kind.endsWith('.webp') ? 'webp' : 'jpeg']);
      expect(meta.orientation ?? 1).toBe(1);
      expect(meta.exif, `${row.kind} carries EXIF`).toBeUndefined();
      if (row.kind.endsWith('.jpg')) {
        expect(await exifr.parse(bytes, { tiff: true, exif: true, gps: true })).toBeUndefined();
        expect(bytes.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
      } else {
        // exifr cannot read WebP: look for RIFF's EXIF and XMP chunks instead.
        expect(bytes.includes(Buffer.from('EXIF', 'latin1'))).toBe(false);
        expect(bytes.includes(Buffer.from('XMP ', 'latin1'))).toBe(false);
      }
    }
    expect(asset.metadata).toEqual({
      width: 800,
      height: 1200,
      format: 'jpeg',
      cameraMake: 'Testcam',
      cameraModel: 'TC-6',
      takenAt: '2024-05-01T12:34:56',
      orientation: 6,
      gpsLatitude: 48.856667,
      gpsLongitude: 2.35,
    });
    expect(asset.placeholder).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/);
    expect(await storedKeys(deps, id)).toEqual(rows.map((r) => r.key).sort());
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
  });

  it('keeps alpha in WebP and flattens it on white in JPEG', async () => {
    const { rows, asset } = await ingest(await halfTransparentPng(400, 200));
    expect(asset.status).toBe('ready');
    const webp = await readObject(deps, 'derivatives', rows.find((r) => r.kind === 'w320.webp')!.key);
    const jpeg = await readObject(deps, 'derivatives', rows.find((r) => r.kind === 'w320.jpg')!.key);
    const w = await sharp(webp).raw().toBuffer({ resolveWithObject: true });
    expect(w.info.channels).toBe(4);
    const alphaAt = (x: number, y: number) => w.data[(y * w.info.width + x) * 4 + 3];
    expect(alphaAt(10, 10)).toBe(255);
    expect(alphaAt(w.info.width - 10, 10)).toBe(0);
    const j = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(j.info.channels).toBe(3);
    const px = (x: number) => [...j.data.subarray((10 * j.info.width + x) * 3, (10 * j.info.width + x) * 3 + 3)];
    for (const c of px(j.info.width - 10)) expect(c).toBeGreaterThan(245); // white where transparent
    expect(px(10)[0]).toBeGreaterThan(200);
    expect(px(10)[1]).toBeLessThan(60);
  });

  it('never upscales: a 200 px image keeps 200 px in the larger variants', async () => {
    const { rows, asset } = await ingest(await smallJpeg(200, 100));
    expect(asset.status).toBe('ready');
    const widths = Object.fromEntries(rows.map((r) => [r.kind, [r.width, r.height]]));
    expect(widths['w150.jpg']).toEqual([150, 75]);
    expect(widths['w320.webp']).toEqual([200, 100]);
    expect(widths['w1024.jpg']).toEqual([200, 100]);
  });

  it('refuses a pixel bomb from its header, before decoding', async () => {
    const bomb = pixelBombPng(20000);
    expect(bomb.length).toBeLessThan(2000);
    const started = Date.now();
    const { id, retry, asset, rows } = await ingest(bomb, { declaredType: 'image/png' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(retry).toEqual([]); // permanent: acknowledged, not retried
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^pixel_limit: 20000x20000 \(400000000 pixels\) exceeds the limit of 100000000$/);
    expect(rows).toEqual([]);
    expect(await storedKeys(deps, id)).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'failed', error: asset.statusReason });
  });

  it('refuses a truncated JPEG with a reason, and makes nothing', async () => {
    const whole = await sidewaysJpeg(900, 600);
    const { id, retry, asset, rows } = await ingest(whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'failed', detectedType: 'image/jpeg' });
    expect(asset.statusReason).toMatch(/^truncated: /);
    expect(rows).toEqual([]);
    expect(await storedKeys(deps, id)).toEqual([]);
  });

  it('refuses a JPEG whose data is garbage but whose end marker is intact as corrupt', async () => {
    const whole = await smallJpeg(300, 200);
    const garbage = Buffer.concat([whole.subarray(0, 20), Buffer.alloc(400, 0x5a), Buffer.from([0xff, 0xd9])]);
    const { asset, rows } = await ingest(garbage);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^corrupt: /);
    expect(rows).toEqual([]);
  });
});
