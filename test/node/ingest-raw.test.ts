/**
 * Camera RAW through the real ingest handler, the real S3 server and PGlite:
 * a DNG, a CR2-like file and a RAF (written byte by byte, test/node/support/raw-files.ts)
 * get every image derivative from the JPEG the camera embedded, turned by
 * the RAW's own Orientation, and their EXIF read like a JPEG's; the original
 * stays as uploaded; a RAW without an embedded preview is ready with its
 * icon and says why; a damaged one fails as corrupt, leaving nothing behind.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { IMAGE_VARIANTS, MAX_IMAGE_BYTES } from '../../shared/profiles/image.ts';
import { deriveByKind } from '../../origin/pipeline/derive.ts';
import type { Outcome } from '../../origin/pipeline/ingest-store.ts';
import { classify } from '../../origin/processing/sniff.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  makeDeps,
  memoryLogger,
  openTestDatabase,
  readObject,
  storedKeys,
  uploadAsset,
} from './support/ingest-env.ts';
import { cameraJpeg, cr2, dng, previewJpeg, raf } from './support/raw-files.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
});
afterAll(async () => handle?.close());

async function ingest(bytes: Buffer, filename: string) {
  // Declared as the browser would for an unknown extension: the type comes from the bytes.
  const id = await uploadAsset(deps, owner, { bytes, sha256: true, filename, declaredType: 'application/octet-stream' });
  const retry = await deliver(deps, id, bytes.length);
  return { id, retry, asset: await assetRow(handle.db, id), rows: await derivativeRows(handle.db, id) };
}

const read = (key: string) => readObject(deps, 'derivatives', key);

/** Mean red and blue of the top and bottom fifth of an image. */
async function bands(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rows = Math.floor(info.height / 5);
  const mean = (from: number, c: number) => {
    let sum = 0;
    for (let y = from; y < from + rows; y++) for (let x = 0; x < info.width; x++) sum += data[(y * info.width + x) * 3 + c]!;
    return sum / (rows * info.width);
  };
  return { topRed: mean(0, 0), topBlue: mean(0, 2), bottomRed: mean(info.height - rows, 0), bottomBlue: mean(info.height - rows, 2) };
}

describe('camera RAW', () => {
  it('a DNG gets every image derivative from its embedded JPEG, turned by IFD0 Orientation 6, with EXIF and GPS', async () => {
    const bytes = dng({ preview: await previewJpeg(600, 400), orientation: 6 });
    const { id, retry, asset, rows } = await ingest(bytes, 'IMG_0001.dng');
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: 'image/x-adobe-dng' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    // 600x400 stored, a quarter turn clockwise: 400x600, never upscaled.
    expect(rows.find((r) => r.kind === 'w1024.webp')).toMatchObject({ width: 400, height: 600 });
    const w320 = rows.find((r) => r.kind === 'w320.jpg')!;
    expect([w320.width, w320.height]).toEqual([320, 480]);
    const jpeg = await read(w320.key);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 480 });
    // The left half (red) is on top after a clockwise quarter turn.
    const b = await bands(jpeg);
    expect(b.topRed).toBeGreaterThan(200);
    expect(b.topBlue).toBeLessThan(60);
    expect(b.bottomBlue).toBeGreaterThan(200);
    expect(b.bottomRed).toBeLessThan(60);
    expect(asset.metadata).toEqual({
      width: 400,
      height: 600,
      format: 'jpeg',
      cameraMake: 'Testcam',
      cameraModel: 'Testcam R1',
      takenAt: '2024-05-01T12:34:56',
      gpsLatitude: 48.858233,
      gpsLongitude: 2.2945,
      orientation: 6,
    });
    expect(asset.placeholder).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/);
    // The original is untouched.
    const original = await readObject(deps, deps.buckets.raw, originalKey(id));
    expect(createHash('sha256').update(original).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('a CR2 gets its derivatives from the largest embedded JPEG, not the IFD1 thumbnail', async () => {
    const bytes = cr2(await previewJpeg(900, 600), await previewJpeg(160, 120), { bigFirst: false });
    const { retry, asset, rows } = await ingest(bytes, 'IMG_0002.CR2');
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: 'image/x-canon-cr2' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    expect(rows.find((r) => r.kind === 'w1024.jpg')).toMatchObject({ width: 900, height: 600 });
    expect(asset.metadata).toMatchObject({ cameraMake: 'Canon', cameraModel: 'Canon EOS Test', takenAt: '2023-11-20T08:00:01' });
  });

  it("a Fujifilm RAF gets its derivatives from the JPEG its header names, turned and described by that JPEG's EXIF", async () => {
    const { retry, asset, rows } = await ingest(raf(await cameraJpeg(600, 400, 8)), 'DSCF0001.RAF');
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: 'image/x-fujifilm-raf' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    const w320 = rows.find((r) => r.kind === 'w320.jpg')!;
    expect([w320.width, w320.height]).toEqual([320, 480]);
    // Orientation 8 is a quarter turn anticlockwise: the left half (red) ends at the bottom.
    const b = await bands(await read(w320.key));
    expect(b.bottomRed).toBeGreaterThan(200);
    expect(b.topBlue).toBeGreaterThan(200);
    expect(asset.metadata).toEqual({
      width: 400,
      height: 600,
      format: 'jpeg',
      cameraMake: 'FUJIFILM',
      cameraModel: 'X-T5',
      takenAt: '2022-02-02T10:11:12',
      orientation: 8,
    });
  });

  it('a DNG without an embedded JPEG is ready with its icon and says why', async () => {
    const { retry, asset, rows } = await ingest(dng({}), 'NOPREVIEW.dng');
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({
      status: 'ready',
      detectedType: 'image/x-adobe-dng',
      statusReason: 'no_preview: image/x-adobe-dng has no embedded preview we can decode; the original is stored as it is',
    });
    expect(rows.map((r) => r.kind)).toEqual(['icon.png']);
  });

  it('a DNG whose IFD chain loops fails as corrupt, leaving nothing behind', async () => {
    const bytes = dng({ preview: await previewJpeg(300, 200) });
    // IFD0's next-IFD pointer (after its entries) pointed back at IFD0.
    const at = bytes.readUInt32LE(4);
    bytes.writeUInt32LE(at, at + 2 + bytes.readUInt16LE(at) * 12);
    const { id, retry, asset } = await ingest(bytes, 'LOOP.dng');
    expect(retry).toEqual([]);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^corrupt: image\/x-adobe-dng does not decode/);
    expect(await storedKeys(deps, id)).toEqual([]);
  });

  it('a RAW past the image byte limit is kept with its icon and says why (a JPEG that large is refused)', async () => {
    // What fetch-original hands over for an original too large to spool: no local file.
    const fetched = (mime: string) => ({
      etag: 'e',
      versionId: null,
      size: MAX_IMAGE_BYTES + 1,
      sniffed: classify(mime),
      tail: new Uint8Array(),
    });
    const known: Outcome = {};
    const renditions = await deriveByKind(fetched('image/x-nikon-nef'), known, memoryLogger());
    expect(renditions.map((r) => r.variant)).toEqual(['icon.png']);
    expect(known.note).toBe(
      `no_preview: image/x-nikon-nef of ${MAX_IMAGE_BYTES + 1} bytes exceeds ${MAX_IMAGE_BYTES}; the original is stored as it is`,
    );
    await expect(deriveByKind(fetched('image/jpeg'), {}, memoryLogger())).rejects.toMatchObject({ code: 'too_large' });
  });
});
