/**
 * The preview of a camera RAW: the JPEG the camera embedded in it. No
 * maintained RAW decoder runs both here and in the Lambda from npm, but nearly
 * every RAW is TIFF-structured and carries a large JPEG preview, which is also
 * what Lightroom and Photos show first (docs/architecture.md, "Images").
 *
 * The walk visits IFD0 and its chain, SubIFDs (0x014A) and the EXIF IFD;
 * candidates are JPEGInterchangeFormat/Length blobs, single-strip IFDs with
 * Compression 6 or 7 whose strip starts with FFD8, and RW2's JpgFromRaw.
 * Broken structure (an IFD outside the file, a loop in the IFD chain, absurd counts, more than
 * MAX_IFDS directories) is a TiffError; the caller turns it into the
 * damaged-image refusal. The largest candidate sharp decodes wins (lossless
 * JPEG raw data, SOF3, starts with FFD8 too but sharp cannot decode it).
 * Fujifilm's RAF, not TIFF-structured, names its JPEG in its header.
 */
import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../../shared/profiles/image.ts';
import { TAG } from './raw-type.ts';
import { TiffError, blob, number, numbers, readIfd, tiffHeader, type Entry, type Tiff } from './tiff-ifd.ts';

/** Directories visited at most (a DNG has a handful). */
export const MAX_IFDS = 64;
/** Candidates decoded at most. */
const MAX_TRIES = 8;

export interface RawLayout {
  /** IFD0's Orientation (1-8), which the embedded JPEG usually lacks. */
  orientation?: number;
  /** Embedded JPEGs, largest in bytes first. */
  previews: Buffer[];
  /** Candidates whose bytes lie (partly) outside the file. */
  outside: number;
  /** The JPEG carries the file's EXIF and orientation itself (RAF), so it is kept as it is. */
  ownExif?: boolean;
}

const isJpeg = (buf: Buffer, at: number) => buf[at] === 0xff && buf[at + 1] === 0xd8;

/** Walks the file's IFDs for embedded JPEGs (RAF: reads its header); throws TiffError on broken structure. */
export function rawLayout(buf: Buffer): RawLayout {
  if (buf.toString('latin1', 0, 15) === 'FUJIFILMCCD-RAW') return rafLayout(buf);
  const t = tiffHeader(buf);
  if (!t) throw new TiffError('not a TIFF-structured file');
  const layout: RawLayout = { previews: [], outside: 0 };
  const seen = new Set<number>();
  const onChain = new Set<number>();
  const queue: { at: number; chain: boolean }[] = [{ at: t.ifd0, chain: true }];
  const candidate = (offset: number, length: number) => {
    if (length < 4) return;
    if (offset + length > buf.length) layout.outside++;
    else if (isJpeg(buf, offset)) layout.previews.push(buf.subarray(offset, offset + length));
  };
  while (queue.length > 0) {
    const { at, chain } = queue.shift()!;
    // A chain that comes back never ends; a pointer to a directory already read adds nothing.
    if (chain && onChain.has(at)) throw new TiffError(`IFD chain comes back to ${at} (a loop)`);
    if (chain) onChain.add(at);
    if (seen.has(at)) continue;
    seen.add(at);
    if (seen.size > MAX_IFDS) throw new TiffError(`more than ${MAX_IFDS} IFDs`);
    const { entries, next } = readIfd(t, at);
    if (seen.size === 1) {
      const o = number(t, entries.get(TAG.orientation));
      if (o !== undefined && o >= 1 && o <= 8) layout.orientation = o;
    }
    const jpegAt = number(t, entries.get(TAG.jpegOffset));
    const jpegLength = number(t, entries.get(TAG.jpegLength));
    if (jpegAt !== undefined && jpegLength !== undefined) candidate(jpegAt, jpegLength);
    const compression = number(t, entries.get(TAG.compression));
    if (compression === 6 || compression === 7) {
      const offsets = stripNumbers(t, entries.get(TAG.stripOffsets));
      const counts = stripNumbers(t, entries.get(TAG.stripByteCounts));
      if (offsets.length === 1 && counts.length === 1) candidate(offsets[0]!, counts[0]!);
    }
    const rw2 = t.magic === 'IIU\0' ? entries.get(TAG.rw2Jpeg) : undefined;
    if (rw2) candidate(blob(t, rw2).offset, blob(t, rw2).length);
    for (const sub of numbers(t, entries.get(TAG.subIfds))) queue.push({ at: sub, chain: false });
    const exif = number(t, entries.get(TAG.exifIfd));
    if (exif) queue.push({ at: exif, chain: false });
    if (chain && next) queue.push({ at: next, chain: true });
  }
  layout.previews.sort((a, b) => b.length - a.length);
  return layout;
}

/**
 * Fujifilm's RAF is no TIFF: a fixed header whose big-endian words at 84 and
 * 88 give the offset and length of the camera's JPEG, which holds the EXIF.
 */
function rafLayout(buf: Buffer): RawLayout {
  if (buf.length < 92) throw new TiffError('RAF header cut short');
  const offset = buf.readUInt32BE(84);
  const length = buf.readUInt32BE(88);
  if (offset + length > buf.length) return { previews: [], outside: 1, ownExif: true };
  return { previews: isJpeg(buf, offset) ? [buf.subarray(offset, offset + length)] : [], outside: 0, ownExif: true };
}

/** Strip offsets or counts; a many-strip image (raw data) is no preview, so only its count matters. */
function stripNumbers(t: Tiff, e: Entry | undefined): number[] {
  if (!e) return [];
  return e.count === 1 ? numbers(t, e) : [];
}

export interface RawPreview {
  /** The embedded JPEG, with IFD0's orientation written into it as EXIF (RAF's as it is). */
  jpeg: Buffer;
  /** RAF: the JPEG holds the file's EXIF (exifr does not read RAF itself). */
  ownExif?: boolean;
  width: number;
  height: number;
  orientation?: number;
}

/**
 * The largest embedded JPEG sharp decodes, or undefined when there is none.
 * Throws TiffError when the structure is broken or every candidate lies
 * outside the file (cut short).
 */
export async function rawPreview(buf: Buffer): Promise<RawPreview | undefined> {
  const layout = rawLayout(buf);
  const sized: RawPreview[] = [];
  for (const jpeg of layout.previews.slice(0, MAX_TRIES)) {
    const meta = await sharp(jpeg, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (meta?.format === 'jpeg' && meta.width && meta.height) {
      sized.push({ jpeg, width: meta.width, height: meta.height, ...(meta.orientation ? { orientation: meta.orientation } : {}) });
    }
  }
  sized.sort((a, b) => b.width * b.height - a.width * a.height || b.jpeg.length - a.jpeg.length);
  for (const c of sized) {
    if (c.width * c.height > MAX_INPUT_PIXELS) continue;
    // Shrink-on-load makes this cheap; it proves the entropy-coded data decodes (SOF3 lossless raw data does not).
    const decodes = await sharp(c.jpeg, { failOn: 'truncated' })
      .resize(8, 8, { fit: 'inside' })
      .raw()
      .toBuffer()
      .then(
        () => true,
        () => false,
      );
    if (!decodes) continue;
    if (layout.ownExif) return { ...c, ownExif: true };
    const { orientation } = layout;
    return { jpeg: withOrientation(c.jpeg, orientation ?? 1), width: c.width, height: c.height, ...(orientation ? { orientation } : {}) };
  }
  if (sized.length === 0 && layout.outside > 0) throw new TiffError('the embedded preview lies outside the file');
  return undefined;
}

/**
 * The JPEG with its own EXIF segments dropped and one carrying only
 * `orientation` put first, so sharp turns it upright as it does any JPEG.
 */
export function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const kept: Buffer[] = [];
  let at = 2;
  // Markers up to the start of scan; anything unexpected leaves the rest as it is.
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (end > jpeg.length) break;
    const isExif = marker === 0xe1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\0\0';
    if (!isExif) kept.push(jpeg.subarray(at, end));
    at = end;
  }
  const exif = Buffer.alloc(2 + 2 + 6 + 8 + 2 + 12 + 4);
  exif.writeUInt16BE(0xffe1, 0);
  exif.writeUInt16BE(exif.length - 2, 2);
  exif.write('Exif\0\0MM\0*', 4, 'latin1');
  exif.writeUInt32BE(8, 14); // IFD0 right after the TIFF header
  exif.writeUInt16BE(1, 18); // one entry
  exif.writeUInt16BE(TAG.orientation, 20);
  exif.writeUInt16BE(3, 22); // SHORT
  exif.writeUInt32BE(1, 24);
  exif.writeUInt16BE(orientation, 28);
  // Next IFD offset (0) is already zero.
  return Buffer.concat([jpeg.subarray(0, 2), exif, ...kept, jpeg.subarray(at)]);
}
