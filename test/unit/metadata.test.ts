/** EXIF extraction (exifr) and the shape of what goes into assets.metadata. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readExif, swapsAxes, toMetadata } from '../../origin/processing/metadata.ts';

describe('readExif', () => {
  it('reads camera, date taken, signed GPS and orientation from a JPEG', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#888' } })
      .jpeg()
      .withExif({
        IFD0: { Make: '  Testcam\u0000 ', Model: 'TC-6' },
        IFD2: { DateTimeOriginal: '2023:12:31 23:59:58' },
        IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 52/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '70/1 30/1 36/1' },
      })
      .withMetadata({ orientation: 8 })
      .toBuffer();
    expect(await readExif(jpeg)).toEqual({
      cameraMake: 'Testcam',
      cameraModel: 'TC-6',
      takenAt: '2023-12-31T23:59:58',
      orientation: 8,
      gpsLatitude: -33.866667,
      gpsLongitude: -70.51,
    });
  });

  it('returns nothing, without throwing, for images without EXIF and for non-images', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(await readExif(png)).toEqual({});
    expect(await readExif(Buffer.from('not an image at all'))).toEqual({});
  });
});

describe('toMetadata', () => {
  it('keeps only short strings and finite numbers', () => {
    const m = toMetadata(
      { width: 10, ratio: Number.NaN, big: Number.POSITIVE_INFINITY, ok: true, nested: { a: 1 }, list: [1] },
      { name: 'a\tb\u0007c', long: 'x'.repeat(500), empty: '   ' },
    );
    expect(m).toEqual({ width: 10, name: 'a b c', long: 'x'.repeat(200) });
    for (const v of Object.values(m)) expect(['string', 'number']).toContain(typeof v);
  });

  it('knows which orientations swap the axes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(swapsAxes)).toEqual([false, false, false, false, true, true, true, true]);
    expect(swapsAxes(undefined)).toBe(false);
  });
});
