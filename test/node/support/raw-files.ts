/**
 * Camera RAW fixtures written byte by byte: a small TIFF writer (IFDs sorted
 * by tag, out-of-line values after each IFD, pointers resolved in a second
 * pass), a DNG laid out as Adobe's converter writes one (IFD0 a JPEG preview,
 * a SubIFD holding 16-bit CFA data, EXIF and GPS IFDs) and a CR2-like file
 * (`CR\x02\0` after the header, the JPEG named by JPEGInterchangeFormat).
 * exiftool reads them (raw-preview.test.ts checks it does).
 */
import { twoColours } from './media-fixtures.ts';

export const T = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, UNDEFINED: 7 } as const;
const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

export interface Where {
  blob(name: string): number;
  ifd(name: string): number;
  length(name: string): number;
}
type Value = number[] | string | Buffer | ((w: Where) => number[]);
export interface TagSpec {
  tag: number;
  type: number;
  value: Value;
}
export interface IfdSpec {
  name: string;
  tags: TagSpec[];
  /** The next IFD in the chain. */
  next?: string;
}
export interface TiffSpec {
  le?: boolean;
  /** Bytes 8… before everything else (CR2's `CR\x02\0` + raw IFD offset). */
  afterHeader?: Buffer;
  blobs: Record<string, Buffer>;
  ifds: IfdSpec[];
}

/** Writes a TIFF-structured file; the first IFD is IFD0. */
export function buildTiff(spec: TiffSpec): Buffer {
  const le = spec.le ?? true;
  const enc = (t: TagSpec, w: Where): Buffer => {
    const v = typeof t.value === 'function' ? t.value(w) : t.value;
    if (typeof v === 'string') return Buffer.from(`${v}\0`, 'latin1');
    if (Buffer.isBuffer(v)) return v;
    const b = Buffer.alloc(v.length * (t.type === T.RATIONAL ? 4 : SIZE[t.type]!));
    v.forEach((n, i) => {
      if (t.type === T.BYTE || t.type === T.UNDEFINED) b[i] = n;
      else if (t.type === T.SHORT) le ? b.writeUInt16LE(n, i * 2) : b.writeUInt16BE(n, i * 2);
      else le ? b.writeUInt32LE(n, i * 4) : b.writeUInt32BE(n, i * 4);
    });
    return b;
  };
  const layout = (w: Where) => {
    let at = 8 + (spec.afterHeader?.length ?? 0);
    const blobs = new Map<string, number>();
    for (const [name, b] of Object.entries(spec.blobs)) {
      blobs.set(name, at);
      at += b.length + (b.length & 1);
    }
    const ifds = new Map<string, number>();
    for (const ifd of spec.ifds) {
      ifds.set(ifd.name, at);
      at += 2 + ifd.tags.length * 12 + 4;
      for (const t of ifd.tags) {
        const n = enc(t, w).length;
        if (n > 4) at += n + (n & 1);
      }
    }
    return { blobs, ifds, size: at };
  };
  const zero: Where = { blob: () => 0, ifd: () => 0, length: (n) => spec.blobs[n]!.length };
  const first = layout(zero);
  const w: Where = { blob: (n) => first.blobs.get(n)!, ifd: (n) => first.ifds.get(n)!, length: (n) => spec.blobs[n]!.length };
  const out = Buffer.alloc(first.size);
  const u16 = (n: number, at: number) => (le ? out.writeUInt16LE(n, at) : out.writeUInt16BE(n, at));
  const u32 = (n: number, at: number) => (le ? out.writeUInt32LE(n, at) : out.writeUInt32BE(n, at));
  out.write(le ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(w.ifd(spec.ifds[0]!.name), 4);
  spec.afterHeader?.copy(out, 8);
  for (const [name, b] of Object.entries(spec.blobs)) b.copy(out, w.blob(name));
  for (const ifd of spec.ifds) {
    const at = w.ifd(ifd.name);
    const tags = [...ifd.tags].sort((a, b) => a.tag - b.tag);
    let extra = at + 2 + tags.length * 12 + 4;
    u16(tags.length, at);
    tags.forEach((t, i) => {
      const e = at + 2 + i * 12;
      const bytes = enc(t, w);
      const count = t.type === T.RATIONAL ? bytes.length / 8 : bytes.length / SIZE[t.type]!;
      u16(t.tag, e);
      u16(t.type, e + 2);
      u32(count, e + 4);
      if (bytes.length <= 4) bytes.copy(out, e + 8);
      else {
        u32(extra, e + 8);
        bytes.copy(out, extra);
        extra += bytes.length + (bytes.length & 1);
      }
    });
    u32(ifd.next ? w.ifd(ifd.next) : 0, at + 2 + tags.length * 12);
  }
  return out;
}

/** A JPEG of `width`×`height`, left half red, right half blue. */
export const previewJpeg = (width: number, height: number) => twoColours(width, height).jpeg({ quality: 90 }).toBuffer();

const exifIfd = (taken: string): IfdSpec => ({
  name: 'exif',
  tags: [
    { tag: 0x9000, type: T.UNDEFINED, value: Buffer.from('0231') },
    { tag: 0x9003, type: T.ASCII, value: taken },
  ],
});
const gpsIfd: IfdSpec = {
  name: 'gps',
  tags: [
    { tag: 0x0000, type: T.BYTE, value: [2, 3, 0, 0] },
    { tag: 0x0001, type: T.ASCII, value: 'N' },
    { tag: 0x0002, type: T.RATIONAL, value: [48, 1, 51, 1, 2964, 100] }, // 48°51'29.64" = 48.8582
    { tag: 0x0003, type: T.ASCII, value: 'E' },
    { tag: 0x0004, type: T.RATIONAL, value: [2, 1, 17, 1, 4020, 100] }, // 2°17'40.2" = 2.2945
  ],
};

export interface DngOptions {
  /** The preview JPEG in IFD0 (none: IFD0 is an uncompressed 8-bit thumbnail). */
  preview?: Buffer;
  orientation?: number;
}

/** A DNG as Adobe's converter lays one out: IFD0 the preview (Compression 7, one strip), SubIFD the CFA data. */
export function dng({ preview, orientation = 6 }: DngOptions): Buffer {
  const cfa = Buffer.alloc(64 * 48 * 2);
  for (let i = 0; i < cfa.length; i += 2) cfa.writeUInt16LE((i * 37) % 4096, i);
  const thumb = Buffer.alloc(16 * 12 * 3, 0x80);
  const shown = preview ?? thumb;
  const [pw, ph] = preview ? [0, 0] : [16, 12];
  return buildTiff({
    blobs: { preview: shown, cfa },
    ifds: [
      {
        name: 'ifd0',
        tags: [
          { tag: 0x00fe, type: T.LONG, value: [1] },
          { tag: 0x0100, type: T.LONG, value: [pw || 600] },
          { tag: 0x0101, type: T.LONG, value: [ph || 400] },
          { tag: 0x0102, type: T.SHORT, value: [8, 8, 8] },
          { tag: 0x0103, type: T.SHORT, value: [preview ? 7 : 1] },
          { tag: 0x0106, type: T.SHORT, value: [preview ? 6 : 2] },
          { tag: 0x010f, type: T.ASCII, value: 'Testcam' },
          { tag: 0x0110, type: T.ASCII, value: 'Testcam R1' },
          { tag: 0x0111, type: T.LONG, value: (w) => [w.blob('preview')] },
          { tag: 0x0112, type: T.SHORT, value: [orientation] },
          { tag: 0x0115, type: T.SHORT, value: [3] },
          { tag: 0x0116, type: T.LONG, value: [ph || 400] },
          { tag: 0x0117, type: T.LONG, value: (w) => [w.length('preview')] },
          { tag: 0x014a, type: T.LONG, value: (w) => [w.ifd('raw')] },
          { tag: 0x8769, type: T.LONG, value: (w) => [w.ifd('exif')] },
          { tag: 0x8825, type: T.LONG, value: (w) => [w.ifd('gps')] },
          { tag: 0xc612, type: T.BYTE, value: [1, 4, 0, 0] },
          { tag: 0xc613, type: T.BYTE, value: [1, 1, 0, 0] },
          { tag: 0xc614, type: T.ASCII, value: 'Testcam R1' },
        ],
      },
      {
        name: 'raw',
        tags: [
          { tag: 0x00fe, type: T.LONG, value: [0] },
          { tag: 0x0100, type: T.LONG, value: [64] },
          { tag: 0x0101, type: T.LONG, value: [48] },
          { tag: 0x0102, type: T.SHORT, value: [16] },
          { tag: 0x0103, type: T.SHORT, value: [1] },
          { tag: 0x0106, type: T.SHORT, value: [32803] },
          { tag: 0x0111, type: T.LONG, value: (w) => [w.blob('cfa')] },
          { tag: 0x0115, type: T.SHORT, value: [1] },
          { tag: 0x0116, type: T.LONG, value: [48] },
          { tag: 0x0117, type: T.LONG, value: (w) => [w.length('cfa')] },
          { tag: 0x828d, type: T.SHORT, value: [2, 2] },
          { tag: 0x828e, type: T.BYTE, value: [0, 1, 1, 2] },
        ],
      },
      exifIfd('2024:05:01 12:34:56'),
      gpsIfd,
    ],
  });
}

/** A CR2-like file: `CR\x02\0` at byte 8, IFD0's JPEGInterchangeFormat the big preview, IFD1's the small thumbnail. */
export function cr2(big: Buffer, small: Buffer, { bigFirst = true } = {}): Buffer {
  const afterHeader = Buffer.from([0x43, 0x52, 0x02, 0x00, 0, 0, 0, 0]);
  const [first, second] = bigFirst ? ['big', 'small'] : ['small', 'big'];
  return buildTiff({
    afterHeader,
    blobs: { big, small },
    ifds: [
      {
        name: 'ifd0',
        next: 'ifd1',
        tags: [
          { tag: 0x010f, type: T.ASCII, value: 'Canon' },
          { tag: 0x0110, type: T.ASCII, value: 'Canon EOS Test' },
          { tag: 0x0112, type: T.SHORT, value: [1] },
          { tag: 0x0201, type: T.LONG, value: (w) => [w.blob(first)] },
          { tag: 0x0202, type: T.LONG, value: (w) => [w.length(first)] },
          { tag: 0x8769, type: T.LONG, value: (w) => [w.ifd('exif')] },
        ],
      },
      {
        name: 'ifd1',
        tags: [
          { tag: 0x0103, type: T.SHORT, value: [6] },
          { tag: 0x0201, type: T.LONG, value: (w) => [w.blob(second)] },
          { tag: 0x0202, type: T.LONG, value: (w) => [w.length(second)] },
        ],
      },
      exifIfd('2023:11:20 08:00:01'),
    ],
  });
}

/**
 * A Fujifilm RAF: its fixed header (magic, format version, camera id and
 * name, directory version) whose big-endian words at 84/88 name the JPEG,
 * which carries the EXIF; a few bytes standing in for the CFA after it.
 */
export function raf(jpeg: Buffer): Buffer {
  const header = Buffer.alloc(160);
  header.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
  header.write('X-T5', 28, 'latin1');
  header.write('0100', 60, 'latin1');
  header.writeUInt32BE(header.length, 84);
  header.writeUInt32BE(jpeg.length, 88);
  return Buffer.concat([header, jpeg, Buffer.alloc(256, 0x11)]);
}

/** A camera JPEG with EXIF (Make, Model, DateTimeOriginal) and an orientation, as a RAF embeds one. */
export const cameraJpeg = (width: number, height: number, orientation: number) =>
  twoColours(width, height)
    .withExif({
      IFD0: { Make: 'FUJIFILM', Model: 'X-T5' },
      IFD2: { DateTimeOriginal: '2022:02:02 10:11:12' },
    })
    .withMetadata({ orientation })
    .jpeg({ quality: 90 })
    .toBuffer();
