/**
 * Camera RAW: the type from the bytes (raw-type.ts through sniff) and the
 * embedded-preview walker (raw-preview.ts), on files written byte by byte
 * (test/node/support/raw-files.ts), including hostile ones, which must be
 * refused with the damaged-image error, never hang or read out of bounds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveImage } from '../../origin/processing/image.ts';
import { MAX_IFDS, rawLayout, rawPreview, withOrientation } from '../../origin/processing/raw-preview.ts';
import { sniff } from '../../origin/processing/sniff.ts';
import { TiffError } from '../../origin/processing/tiff-ifd.ts';
import { T, buildTiff, cameraJpeg, cr2, dng, previewJpeg, raf, type IfdSpec } from '../node/support/raw-files.ts';

let dir: string;
let big: Buffer;
let small: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'raw-unit-'));
  big = await previewJpeg(600, 400);
  small = await previewJpeg(160, 120);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

let n = 0;
async function derive(bytes: Buffer, mime: string) {
  const file = path.join(dir, `f${n++}`);
  await writeFile(file, bytes);
  return deriveImage(file, mime);
}

const expectCorrupt = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ name: 'OriginError', code: 'corrupt' });
const ifd0 = (tags: IfdSpec['tags'], extra: Partial<IfdSpec> = {}): IfdSpec => ({ name: 'ifd0', tags, ...extra });
const make = (m: string) => ({ tag: 0x010f, type: T.ASCII, value: m });
const jpegAt = (blob: string): IfdSpec['tags'] => [
  { tag: 0x0201, type: T.LONG, value: (w) => [w.blob(blob)] },
  { tag: 0x0202, type: T.LONG, value: (w) => [w.length(blob)] },
];

describe('sniff: camera RAW from the bytes', () => {
  it('recognises DNG by DNGVersion and CR2 by the CR after the header', async () => {
    expect(await sniff(dng({ preview: big }))).toEqual({ mime: 'image/x-adobe-dng', kind: 'image', category: 'image' });
    expect(await sniff(cr2(big, small))).toMatchObject({ mime: 'image/x-canon-cr2', kind: 'image' });
  });

  it('recognises NEF, ARW, PEF and SRW by Make only when IFD0 is laid out as a RAW', async () => {
    const subIfd = { tag: 0x014a, type: T.LONG, value: (w: { ifd(n: string): number }) => [w.ifd('sub')] };
    const sub: IfdSpec = { name: 'sub', tags: [{ tag: 0x00fe, type: T.LONG, value: [0] }] };
    const raw = (m: string) => buildTiff({ blobs: {}, ifds: [ifd0([make(m), subIfd]), sub] });
    expect((await sniff(raw('NIKON CORPORATION'))).mime).toBe('image/x-nikon-nef');
    expect((await sniff(raw('SONY'))).mime).toBe('image/x-sony-arw');
    expect((await sniff(raw('PENTAX'))).mime).toBe('image/x-pentax-pef');
    expect((await sniff(raw('SAMSUNG'))).mime).toBe('image/x-samsung-srw');
    // A full-size image a Nikon wrote as TIFF (no SubIFDs, no preview, NewSubfileType 0) is a TIFF.
    const plain = buildTiff({ blobs: {}, ifds: [ifd0([make('NIKON CORPORATION'), { tag: 0x00fe, type: T.LONG, value: [0] }])] });
    expect((await sniff(plain)).mime).toBe('image/tiff');
  });

  it('keeps a plain TIFF image/tiff, even one with a PrintIM tag (which file-type calls ARW)', async () => {
    const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } })
      .tiff()
      .toBuffer();
    expect((await sniff(tiff)).mime).toBe('image/tiff');
    const printIm = buildTiff({
      blobs: {},
      ifds: [ifd0([make('EPSON'), { tag: 0xc4a5, type: T.UNDEFINED, value: Buffer.from('PrintIM0300') }])],
    });
    expect((await sniff(printIm)).mime).toBe('image/tiff');
  });

  it('recognises ORF and RW2 by their own TIFF magic', async () => {
    const orf = buildTiff({ blobs: {}, ifds: [ifd0([make('OLYMPUS IMAGING CORP.')])] });
    orf.write('RO', 2, 'latin1');
    const rw2 = buildTiff({ blobs: {}, ifds: [ifd0([make('Panasonic')])] });
    rw2.writeUInt16LE(0x55, 2);
    expect((await sniff(orf)).mime).toBe('image/x-olympus-orf');
    expect((await sniff(rw2)).mime).toBe('image/x-panasonic-rw2');
  });
});

describe('rawPreview', () => {
  it('the DNG fixture is a DNG exiftool reads: DNGVersion, Orientation, GPS, and our JPEG as its PreviewImage', async () => {
    const file = path.join(dir, 'fixture.dng');
    await writeFile(file, dng({ preview: big }));
    const run = promisify(execFile);
    const [info] = JSON.parse((await run('exiftool', ['-j', '-n', file])).stdout) as Record<string, unknown>[];
    expect(info).toMatchObject({
      FileType: 'DNG',
      DNGVersion: '1 4 0 0',
      Orientation: 6,
      Make: 'Testcam',
      DateTimeOriginal: '2024:05:01 12:34:56',
    });
    expect(info!.GPSLatitude).toBeCloseTo(48.858233, 5);
    const extracted = await run('exiftool', ['-b', '-PreviewImage', file], { encoding: 'buffer' });
    expect(Buffer.compare(extracted.stdout, big)).toBe(0);
  });

  it('finds the DNG preview strip (Compression 7) and IFD0 orientation', async () => {
    const out = await rawPreview(dng({ preview: big }));
    expect(out).toMatchObject({ width: 600, height: 400, orientation: 6 });
    expect((await sharp(out!.jpeg).metadata()).orientation).toBe(6);
  });

  it('picks the largest preview wherever it is in the IFD chain', async () => {
    for (const bigFirst of [true, false]) {
      const out = await rawPreview(cr2(big, small, { bigFirst }));
      expect(out, `bigFirst ${bigFirst}`).toMatchObject({ width: 600, height: 400 });
    }
  });

  it('skips a candidate that starts like a JPEG but does not decode, even a larger one', async () => {
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xc3, 0, 11]), Buffer.alloc(big.length * 2, 7)]);
    const out = await rawPreview(cr2(fake, small));
    expect(out).toMatchObject({ width: 160, height: 120 });
  });

  it("finds RW2's JpgFromRaw (tag 0x2E, an UNDEFINED blob in IFD0)", async () => {
    const rw2 = buildTiff({ blobs: {}, ifds: [ifd0([make('Panasonic'), { tag: 0x002e, type: T.UNDEFINED, value: big }])] });
    rw2.writeUInt16LE(0x55, 2);
    expect((await sniff(rw2)).mime).toBe('image/x-panasonic-rw2');
    expect(await rawPreview(rw2)).toMatchObject({ width: 600, height: 400 });
  });

  it("takes RAF's JPEG from its header as it is (its EXIF and orientation are the file's), and refuses one pointing past the end", async () => {
    const jpeg = await cameraJpeg(300, 200, 6);
    const file = raf(jpeg);
    expect((await sniff(file)).mime).toBe('image/x-fujifilm-raf');
    const out = await rawPreview(file);
    expect(out).toMatchObject({ width: 300, height: 200, orientation: 6, ownExif: true });
    expect(Buffer.compare(out!.jpeg, jpeg)).toBe(0);
    const rafFile = path.join(dir, 'fixture.raf');
    await writeFile(rafFile, file);
    const [info] = JSON.parse((await promisify(execFile)('exiftool', ['-j', '-n', rafFile])).stdout) as Record<string, unknown>[];
    expect(info).toMatchObject({ FileType: 'RAF', Make: 'FUJIFILM', Model: 'X-T5', Orientation: 6 });
    file.writeUInt32BE(file.length, 84);
    await expectCorrupt(derive(file, 'image/x-fujifilm-raf'));
  });

  it('gives undefined for a DNG without an embedded JPEG', async () => {
    expect(await rawPreview(dng({}))).toBeUndefined();
  });

  it('writes the orientation into the JPEG, replacing an EXIF segment it had', async () => {
    const withExif = await sharp(big).withMetadata({ orientation: 3 }).jpeg().toBuffer();
    expect((await sharp(withExif).metadata()).orientation).toBe(3);
    const turned = withOrientation(withExif, 8);
    expect(await sharp(turned).metadata()).toMatchObject({ orientation: 8, width: 600, height: 400 });
  });
});

describe('hostile RAW files are refused as damaged', () => {
  it('a preview offset past the end of the file', async () => {
    const bytes = cr2(big, small);
    const at = bytes.indexOf(Buffer.from([0x01, 0x02, 4, 0, 1, 0, 0, 0])); // the JPEGInterchangeFormat entry of IFD0
    expect(at).toBeGreaterThan(0);
    bytes.writeUInt32LE(bytes.length + 100, at + 8);
    // IFD1 still has the thumbnail: it is used. With IFD1's moved out too, nothing is left.
    expect(await rawPreview(bytes)).toMatchObject({ width: 160 });
    const second = bytes.indexOf(Buffer.from([0x01, 0x02, 4, 0, 1, 0, 0, 0]), at + 12);
    bytes.writeUInt32LE(0xfffffff0, second + 8);
    await expect(rawPreview(bytes)).rejects.toBeInstanceOf(TiffError);
    await expectCorrupt(derive(bytes, 'image/x-canon-cr2'));
  });

  it('an IFD0 offset past the end, and a file cut short', async () => {
    const bytes = dng({ preview: big });
    const far = Buffer.from(bytes);
    far.writeUInt32LE(0x7ffffff0, 4);
    await expectCorrupt(derive(far, 'image/x-adobe-dng'));
    await expectCorrupt(derive(bytes.subarray(0, Math.floor(bytes.length * 0.9)), 'image/x-adobe-dng'));
    await expectCorrupt(derive(bytes.subarray(0, 12), 'image/x-adobe-dng'));
  });

  it('a loop in the IFD chain (a SubIFD pointing back at IFD0 is only not walked twice)', async () => {
    const chain = buildTiff({
      blobs: { big },
      ifds: [ifd0([make('Canon')], { next: 'ifd1' }), { name: 'ifd1', tags: [make('x')], next: 'ifd0' }],
    });
    expect(() => rawLayout(chain)).toThrow(/loop/);
    await expectCorrupt(derive(chain, 'image/x-canon-cr2'));
    // A SubIFD pointing back adds nothing and is not followed again: the walk ends.
    const back = buildTiff({
      blobs: { big },
      ifds: [ifd0([{ tag: 0x014a, type: T.LONG, value: (w) => [w.ifd('ifd0'), w.ifd('ifd0')] }, ...jpegAt('big')])],
    });
    expect(rawLayout(back).previews).toHaveLength(1);
    // Nor is IFD1 when it is both IFD0's next and its SubIFD.
    const shared = buildTiff({
      blobs: { big },
      ifds: [ifd0([{ tag: 0x014a, type: T.LONG, value: (w) => [w.ifd('ifd1')] }], { next: 'ifd1' }), { name: 'ifd1', tags: jpegAt('big') }],
    });
    expect(rawLayout(shared).previews).toHaveLength(1);
  });

  it('absurd counts: 65535 IFD entries, a billion SubIFDs, a thousand IFDs in a chain', async () => {
    const bytes = dng({ preview: big });
    const at = bytes.readUInt32LE(4);
    const many = Buffer.from(bytes);
    many.writeUInt16LE(0xffff, at);
    await expectCorrupt(derive(many, 'image/x-adobe-dng'));
    const subs = Buffer.from(bytes);
    const entry = subs.indexOf(Buffer.from([0x4a, 0x01, 4, 0, 1, 0, 0, 0]));
    expect(entry).toBeGreaterThan(0);
    subs.writeUInt32LE(1_000_000_000, entry + 4);
    await expectCorrupt(derive(subs, 'image/x-adobe-dng'));
    const count = MAX_IFDS + 5;
    const long: IfdSpec[] = Array.from({ length: count }, (_, i) => ({
      name: `i${i}`,
      tags: [make('x')],
      ...(i + 1 < count ? { next: `i${i + 1}` } : {}),
    }));
    const chain = buildTiff({ blobs: {}, ifds: long });
    expect(() => rawLayout(chain)).toThrow(/more than/);
  });
});
