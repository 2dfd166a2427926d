/**
 * The limits and fallbacks of the media processors, called directly: an
 * animation too big to animate keeps its still and says why; audio where
 * ffmpeg is missing (the Lambda) keeps its icon and says why; a HEIF file's
 * EXIF is found however its `iloc` addresses it; a hostile HEIF (no image,
 * not HEIF at all) is `corrupt`, never a crash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OriginError } from '../../origin/core/errors.ts';
import { animatedPreview } from '../../origin/processing/animated.ts';
import { deriveAudio } from '../../origin/processing/audio.ts';
import { decodeHeif } from '../../origin/processing/heif.ts';
import { heifExif } from '../../origin/processing/heif-exif.ts';
import { openSource } from '../../origin/processing/image-source.ts';
import { readExif } from '../../origin/processing/metadata.ts';
import { animatedGif, audioFile, heic } from './support/media-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-limits-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const saved = async (name: string, bytes: Buffer) => {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
};
const damaged = (cause: unknown) => new OriginError('corrupt', 'does not decode', { cause });

describe('animated preview limits', () => {
  it('an animation past the frame-pixel budget keeps its still and says why', async () => {
    const source = await openSource(await saved('a.gif', await animatedGif(100, 50, 6)), 'image/gif', damaged);
    expect(source.header).toMatchObject({ width: 100, height: 50, pages: 6, format: 'gif' });
    expect(await animatedPreview(source, 100 * 50 * 6 - 1)).toEqual({
      note: 'no_animation: 6 frames of 100x50 exceed 29999 pixels; the still is shown',
    });
    const within = await animatedPreview(source, 100 * 50 * 6);
    expect(within.rendition).toMatchObject({ variant: 'preview.webp', width: 100, height: 50 });
  });
});

describe('audio without ffmpeg (as in Lambda)', () => {
  it('keeps the audio icon and says why', async () => {
    const file = await saved('t.mp3', await audioFile('mp3', 1));
    const out = await deriveAudio(file, { ffmpeg: null, ffprobe: null });
    expect(out.note).toBe('no_preview: ffmpeg is not installed where this file was processed');
    expect(out.renditions.map((r) => r.variant)).toEqual(['icon.png']);
  });
});

describe('HEIF parsing of hostile input', () => {
  it('bytes that are not HEIF, and a HEIF header with no image, are corrupt', async () => {
    await expect(decodeHeif(Buffer.from('not a heif file at all'))).rejects.toMatchObject({ code: 'corrupt' });
    const header = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
    await expect(decodeHeif(header)).rejects.toMatchObject({ code: 'corrupt' });
    expect(heifExif(header)).toBeUndefined();
    expect(heifExif(Buffer.alloc(0))).toBeUndefined();
  });

  it('EXIF is read from the Exif item (base offset + extent), as exifr reads a JPEG', async () => {
    const bytes = await heic({ width: 64, height: 48 });
    const tiff = heifExif(bytes);
    expect(tiff?.subarray(0, 4).toString('latin1')).toBe('MM\0*');
    expect(await readExif(tiff!)).toMatchObject({ cameraMake: 'Apple', cameraModel: 'iPhone 15', gpsLatitude: 40.748817 });
  });

  it('a cut Exif item yields no EXIF rather than an error', async () => {
    const bytes = await heic({ width: 64, height: 48 });
    expect(heifExif(bytes.subarray(0, bytes.length - 200))).toBeUndefined();
  });
});
