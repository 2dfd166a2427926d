/**
 * What ingest verifies before it makes anything: the object belongs to an
 * asset, its size and SHA-256 match what the upload recorded, it is not
 * empty; and how it treats what it cannot preview (a type icon, ready).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../origin/handlers/ingest.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  jobRow,
  makeDeps,
  objectCreatedRecord,
  openTestDatabase,
  readObject,
  storedKeys,
  uploadAsset,
} from './support/ingest-env.ts';
import { smallJpeg, unknownBinary } from './support/samples.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
});
afterAll(async () => handle?.close());

describe('size and checksum', () => {
  it('fails an asset whose object is larger than the upload recorded, from the event alone', async () => {
    const bytes = await smallJpeg(64, 64);
    const id = await uploadAsset(deps, owner, { bytes, size: bytes.length - 10 });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toBe(`size_mismatch: object is ${bytes.length} bytes, upload recorded ${bytes.length - 10}`);
    expect(await derivativeRows(handle.db, id)).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'failed', error: asset.statusReason });
  });

  it('fails on the bytes actually read even when the event carries the recorded size', async () => {
    const bytes = await smallJpeg(64, 64);
    const id = await uploadAsset(deps, owner, { bytes, size: bytes.length + 1 });
    expect(await deliver(deps, id, bytes.length + 1)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset.statusReason).toBe(`size_mismatch: object is ${bytes.length} bytes, upload recorded ${bytes.length + 1}`);
    expect(asset.status).toBe('failed');
  });

  it('fails an asset whose SHA-256 differs, naming both digests; nothing becomes ready', async () => {
    const bytes = await smallJpeg(64, 64);
    const wrong = createHash('sha256').update('something else').digest('hex');
    const id = await uploadAsset(deps, owner, { bytes, sha256: wrong });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    const actual = createHash('sha256').update(bytes).digest('hex');
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toBe(`checksum_mismatch: object SHA-256 ${actual} differs from the recorded ${wrong}`);
    expect(await derivativeRows(handle.db, id)).toEqual([]);
    expect(await storedKeys(deps, id)).toEqual([]);
  });

  it('accepts a matching SHA-256 recorded as base64 (the x-amz-checksum-sha256 form)', async () => {
    const bytes = await smallJpeg(64, 64);
    const id = await uploadAsset(deps, owner, { bytes, sha256: createHash('sha256').update(bytes).digest('base64') });
    await deliver(deps, id, bytes.length);
    expect((await assetRow(handle.db, id)).status).toBe('ready');
  });

  it('fails a zero-byte original as empty', async () => {
    const id = await uploadAsset(deps, owner, { bytes: new Uint8Array(0), sha256: true });
    expect(await deliver(deps, id, 0)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset).toMatchObject({ status: 'failed', statusReason: 'empty: the object has no bytes' });
  });
});

describe('what is not ours', () => {
  it('acknowledges events for unknown keys and unknown assets without touching anything', async () => {
    const handler = createIngestHandler(deps);
    const unknownAsset = originalKey('00000000-0000-4000-8000-000000000000');
    const res = await handler({
      Records: [
        objectCreatedRecord('not-an-asset/original', 3, { messageId: 'm1' }),
        objectCreatedRecord(unknownAsset, 3, { messageId: 'm2' }),
        objectCreatedRecord(originalKey('00000000-0000-4000-8000-000000000001'), 3, { bucket: 'derivatives', messageId: 'm3' }),
        { ...objectCreatedRecord(unknownAsset, 3), messageId: 'm4', body: '{not json' },
      ],
    });
    expect(res.batchItemFailures).toEqual([]);
    const warned = deps.log.lines.filter((l) => /ignored|undecodable/.test(l.msg)).map((l) => l.msg);
    expect(warned).toEqual([
      'ingest: not an original, ignored',
      'ingest: no asset for this object, ignored',
      'ingest: not an original, ignored',
      'ingest: undecodable message, dropped',
    ]);
  });
});

describe('files without a preview', () => {
  it('gives an unknown binary the generic type icon and makes it ready', async () => {
    const bytes = unknownBinary(5000);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true, declaredType: 'image/jpeg', filename: 'holiday.jpg' });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset).toMatchObject({ status: 'ready', detectedType: 'application/octet-stream', declaredType: 'image/jpeg' });
    const rows = await derivativeRows(handle.db, id);
    expect(rows.map((r) => [r.kind, r.contentType, r.width, r.height])).toEqual([['icon.png', 'image/png', 256, 256]]);
    const icon = await sharp(await readObject(deps, 'derivatives', rows[0]!.key)).metadata();
    expect([icon.format, icon.width]).toEqual(['png', 256]);
  });

  it('refuses a HEIC header with no image in it as corrupt (HEIC is decoded now; real ones: ingest-media.test.ts)', async () => {
    // An HEIF container header with the `heic` brand: a real HEIC as far as sniffing goes, but no meta box.
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
    const id = await uploadAsset(deps, owner, { bytes, declaredType: 'image/heic' });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    expect(await assetRow(handle.db, id)).toMatchObject({
      status: 'failed',
      detectedType: 'image/heic',
      statusReason: 'corrupt: HEIF container has no decodable image',
    });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
  });

  it('sniffs text declared as an image and gives it the text icon', async () => {
    const bytes = Buffer.from('plain words\nnot a picture\n');
    const id = await uploadAsset(deps, owner, { bytes, declaredType: 'image/png' });
    await deliver(deps, id, bytes.length);
    const asset = await assetRow(handle.db, id);
    expect(asset).toMatchObject({ status: 'ready', detectedType: 'text/plain' });
    const [icon] = await derivativeRows(handle.db, id);
    const textIcon = await readObject(deps, 'derivatives', icon!.key);
    const otherId = await uploadAsset(deps, owner, { bytes: unknownBinary(100) });
    await deliver(deps, otherId, 100);
    const [other] = await derivativeRows(handle.db, otherId);
    expect(textIcon.equals(await readObject(deps, 'derivatives', other!.key))).toBe(false); // one icon per category
  });
});
