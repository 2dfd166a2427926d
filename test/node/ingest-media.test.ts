/**
 * What a phone or camera makes, through the real ingest handler, the real S3
 * server and PGlite: HEIC (libheif in wasm) turned by its `irot` and read
 * for EXIF like a JPEG, AVIF, TIFF, animated GIF, audio through ffmpeg, and
 * the honest status of files with no preview. Fixtures come from heif-enc,
 * exiftool and ffmpeg (test/node/support/media-fixtures.ts); derivatives
 * are read back from storage and checked with sharp and ffprobe.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  makeDeps,
  openTestDatabase,
  readObject,
  storedKeys,
  uploadAsset,
} from './support/ingest-env.ts';
import { addRotation } from './support/heif-boxes.ts';
import { animatedGif, audioFile, bmp, heic, twoColours } from './support/media-fixtures.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
});
afterAll(async () => handle?.close());

async function ingest(bytes: Buffer, declaredType = 'application/octet-stream') {
  const id = await uploadAsset(deps, owner, { bytes, sha256: true, declaredType });
  const retry = await deliver(deps, id, bytes.length);
  return { id, retry, asset: await assetRow(handle.db, id), rows: await derivativeRows(handle.db, id) };
}

const read = (key: string) => readObject(deps, 'derivatives', key);

/** Mean RGB of a horizontal band (top or bottom fifth) of an image. */
async function band(bytes: Buffer, where: 'top' | 'bottom'): Promise<number[]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rows = Math.floor(info.height / 5);
  const from = where === 'top' ? 0 : info.height - rows;
  const sum = [0, 0, 0];
  for (let y = from; y < from + rows; y++)
    for (let x = 0; x < info.width; x++) for (let c = 0; c < 3; c++) sum[c]! += data[(y * info.width + x) * 3 + c]!;
  return sum.map((s) => Math.round(s / (rows * info.width)));
}

describe('HEIC', () => {
  it('decodes an iPhone-style portrait HEIC: turned by irot (not again by its EXIF), every width, EXIF and GPS read', async () => {
    // Stored 600x400 landscape; irot turns it 90° clockwise; the EXIF says "rotate 90 CW" as iPhones write.
    const bytes = await heic({ width: 600, height: 400, irot: 3, exifOrientation: 6 });
    const { retry, asset, rows } = await ingest(bytes, 'image/heic');
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: 'image/heic' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    const w320 = rows.find((r) => r.kind === 'w320.jpg')!;
    expect([w320.width, w320.height]).toEqual([320, 480]);
    const jpeg = await read(w320.key);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 480 });
    // The left half (red) is on top after a clockwise quarter turn; an extra EXIF turn would put it at the bottom or sideways.
    const [r1, , b1] = await band(jpeg, 'top');
    const [r2, , b2] = await band(jpeg, 'bottom');
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
    const webp = rows.find((r) => r.kind === 'w1024.webp')!;
    expect([webp.width, webp.height]).toEqual([400, 600]); // never upscaled
    expect(asset.metadata).toEqual({
      width: 400,
      height: 600,
      format: 'heif',
      cameraMake: 'Apple',
      cameraModel: 'iPhone 15',
      takenAt: '2025-07-14T09:30:15',
      gpsLatitude: 40.748817,
      gpsLongitude: -73.985428,
    });
    expect(asset.placeholder).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/);
  });

  it('keeps a HEIC without irot as stored', async () => {
    const { asset, rows } = await ingest(await heic({ width: 300, height: 200 }));
    expect(asset.status).toBe('ready');
    expect(rows.find((r) => r.kind === 'w1024.jpg')).toMatchObject({ width: 300, height: 200 });
  });

  it('refuses a HEIC whose container declares too many pixels, before decoding', async () => {
    // A real HEIC whose ispe is rewritten to 20000x20000: the container is read, no pixel decoded.
    const bytes = await heic({ width: 64, height: 64 });
    const ispe = bytes.indexOf(Buffer.from('ispe', 'latin1'));
    bytes.writeUInt32BE(20000, ispe + 8);
    bytes.writeUInt32BE(20000, ispe + 12);
    const { id, retry, asset, rows } = await ingest(bytes);
    expect(retry).toEqual([]);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toBe('pixel_limit: 20000x20000 (400000000 pixels) exceeds the limit of 100000000');
    expect(rows).toEqual([]);
    expect(await storedKeys(deps, id)).toEqual([]);
  });

  it('refuses a truncated HEIC as corrupt, leaving nothing behind', async () => {
    const whole = await heic({ width: 800, height: 600 });
    const damaged = whole.subarray(0, Math.floor(whole.length * 0.6));
    const { id, asset } = await ingest(damaged);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^corrupt: /);
    expect(await storedKeys(deps, id)).toEqual([]);
  });

  it('rotates by 180° with irot 2 (the helper writes real irot boxes)', async () => {
    const upright = await heic({ width: 200, height: 100 });
    const { asset, rows } = await ingest(addRotation(upright, 2));
    expect(asset.status).toBe('ready');
    const jpeg = await read(rows.find((r) => r.kind === 'w150.jpg')!.key);
    // Left half red before; after 180° the left half is blue.
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number) => [
      ...data.subarray((Math.floor(info.height / 2) * info.width + x) * 3, (Math.floor(info.height / 2) * info.width + x) * 3 + 3),
    ];
    expect(at(10)[2]).toBeGreaterThan(200);
    expect(at(info.width - 10)[0]).toBeGreaterThan(200);
  });
});

describe('other image formats', () => {
  it('AVIF, TIFF and WebP with alpha make every width', async () => {
    const avif = await twoColours(320, 200).avif({ effort: 2 }).toBuffer();
    const tiff = await twoColours(320, 200).tiff().toBuffer();
    const webp = await sharp({ create: { width: 320, height: 200, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } })
      .webp()
      .toBuffer();
    for (const [bytes, type] of [
      [avif, 'image/avif'],
      [tiff, 'image/tiff'],
      [webp, 'image/webp'],
    ] as const) {
      const { asset, rows } = await ingest(bytes);
      expect(asset, type).toMatchObject({ status: 'ready', statusReason: null, detectedType: type });
      expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
      if (type === 'image/webp') {
        const out = await sharp(await read(rows.find((r) => r.kind === 'w150.webp')!.key)).metadata();
        expect(out.hasAlpha).toBe(true);
        const jpg = await sharp(await read(rows.find((r) => r.kind === 'w150.jpg')!.key))
          .raw()
          .toBuffer();
        expect(jpg[0]).toBeGreaterThan(100); // half-transparent green on white: light, not black
      }
    }
  });

  it('an animated GIF gets an animated preview.webp with every frame, and stills of its first frame', async () => {
    const { asset, rows } = await ingest(await animatedGif(200, 120, 4));
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: 'image/gif' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS, 'preview.webp'].sort());
    const anim = rows.find((r) => r.kind === 'preview.webp')!;
    expect(anim).toMatchObject({ contentType: 'image/webp', width: 200, height: 120 });
    const meta = await sharp(await read(anim.key), { animated: true }).metadata();
    expect(meta).toMatchObject({ format: 'webp', pages: 4, width: 200, pageHeight: 120, loop: 0 });
    expect(meta.delay).toEqual([1000, 1000, 1000, 1000].map(() => expect.any(Number)));
    const still = await sharp(await read(rows.find((r) => r.kind === 'w150.webp')!.key)).metadata();
    expect(still.pages ?? 1).toBe(1);
    expect(asset.metadata).toMatchObject({ width: 200, height: 120, format: 'gif', pages: 4 });
  });

  it('a still GIF gets no animated preview', async () => {
    const { rows } = await ingest(await twoColours(100, 60).gif().toBuffer());
    expect(rows.map((r) => r.kind)).not.toContain('preview.webp');
  });

  it('an image type with no decoder is ready with its icon and says why (honest status)', async () => {
    const { asset, rows } = await ingest(await bmp());
    expect(asset.status).toBe('ready');
    expect(asset.detectedType).toBe('image/bmp');
    expect(asset.statusReason).toBe('no_preview: image/bmp has no decoder here; the original is stored as it is');
    expect(rows.map((r) => r.kind)).toEqual(['icon.png']);
  });
});

const ffprobeJson = async (bytes: Buffer) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'probe-'));
  try {
    await writeFile(path.join(dir, 'f'), bytes);
    const { stdout } = await promisify(execFile)('ffprobe', [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      path.join(dir, 'f'),
    ]);
    return JSON.parse(stdout) as {
      streams: { codec_type: string; codec_name: string }[];
      format: { format_name: string; duration: string };
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

describe('audio', () => {
  it.each([
    ['mp3', 'audio/mpeg', 'mp3'],
    ['m4a', 'audio/x-m4a', 'aac'],
    ['wav', 'audio/wav', 'pcm_s16le'],
    ['flac', 'audio/flac', 'flac'],
    ['ogg', 'audio/ogg', 'vorbis'],
  ] as const)('%s: duration, codec and tags; a waveform and an AAC preview.mp4 a browser plays', async (ext, type, codec) => {
    const { retry, asset, rows } = await ingest(await audioFile(ext, 2));
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null, detectedType: type });
    expect(asset.metadata).toMatchObject({ audioCodec: codec, title: 'Test Tone', artist: 'The Testers', channels: 2 });
    expect(Number(asset.metadata.durationSec)).toBeCloseTo(2, 0);
    expect(rows.map((r) => r.kind).sort()).toEqual(['preview.mp4', 'waveform.png']);
    const wave = rows.find((r) => r.kind === 'waveform.png')!;
    expect(wave).toMatchObject({ contentType: 'image/png', width: 1024, height: 160 });
    expect(await sharp(await read(wave.key)).metadata()).toMatchObject({ format: 'png', width: 1024, height: 160 });
    const preview = rows.find((r) => r.kind === 'preview.mp4')!;
    expect(preview.contentType).toBe('audio/mp4');
    const mp4 = await read(preview.key);
    const probed = await ffprobeJson(mp4);
    expect(probed.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'aac']]);
    expect(probed.format.format_name).toContain('mp4');
    expect(Number(probed.format.duration)).toBeCloseTo(2, 0);
    // Fast start: the moov box comes before mdat, so playback starts before the whole file arrives.
    expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));
  });

  it('a file that sniffs as audio but does not decode is refused as corrupt, with nothing stored', async () => {
    // A RIFF/WAVE header (so it sniffs as audio/wav) and no format chunk, only noise.
    const fake = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'), Buffer.alloc(4000, 0x5a)]);
    fake.writeUInt32LE(fake.length - 8, 4);
    const { id, retry, asset } = await ingest(fake);
    expect(retry).toEqual([]);
    expect(asset.detectedType).toBe('audio/wav');
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^corrupt: /);
    expect(await storedKeys(deps, id)).toEqual([]);
  });
});
