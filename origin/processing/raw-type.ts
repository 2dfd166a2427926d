/**
 * Which camera RAW a TIFF-structured file is, from its bytes: DNG by its
 * DNGVersion tag, CR2 by the `CR` after the TIFF header, ORF and RW2 by their
 * own magic, NEF, ARW, PEF and SRW by the Make tag of a file laid out like a
 * RAW (IFD0 is a reduced image or has SubIFDs or an embedded JPEG), so a
 * plain TIFF a camera or scanner wrote stays `image/tiff`.
 */
import { TiffError, ascii, number, readIfd, tiffHeader } from './tiff-ifd.ts';

/** Make (as the camera writes it, upper-cased) → its RAW type, for TIFF-structured RAWs without a magic of their own. */
const BY_MAKE: [prefix: string, mime: string][] = [
  ['NIKON', 'image/x-nikon-nef'],
  ['SONY', 'image/x-sony-arw'],
  ['PENTAX', 'image/x-pentax-pef'],
  ['RICOH IMAGING', 'image/x-pentax-pef'],
  ['SAMSUNG', 'image/x-samsung-srw'],
];

export const TAG = {
  newSubfileType: 0x00fe,
  compression: 0x0103,
  make: 0x010f,
  model: 0x0110,
  stripOffsets: 0x0111,
  orientation: 0x0112,
  stripByteCounts: 0x0117,
  subIfds: 0x014a,
  jpegOffset: 0x0201,
  jpegLength: 0x0202,
  exifIfd: 0x8769,
  dngVersion: 0xc612,
  /** Panasonic RW2's JpgFromRaw, an UNDEFINED blob. */
  rw2Jpeg: 0x002e,
} as const;

/**
 * The RAW type of `head` (the first bytes of a file), `image/tiff` for a TIFF
 * that is no RAW, undefined when it is no TIFF or its IFD0 is not within `head`.
 */
export function rawType(head: Uint8Array): string | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const t = tiffHeader(buf);
  if (!t) return undefined;
  if (t.magic === 'IIRO' || t.magic === 'IIRS' || t.magic === 'MMOR') return 'image/x-olympus-orf';
  if (t.magic === 'IIU\0') return 'image/x-panasonic-rw2';
  if (buf.toString('latin1', 8, 10) === 'CR') return 'image/x-canon-cr2';
  try {
    const { entries } = readIfd(t, t.ifd0);
    if (entries.has(TAG.dngVersion)) return 'image/x-adobe-dng';
    const compression = number(t, entries.get(TAG.compression));
    const laidOutAsRaw =
      entries.has(TAG.subIfds) ||
      entries.has(TAG.jpegOffset) ||
      number(t, entries.get(TAG.newSubfileType)) === 1 ||
      compression === 6 ||
      compression === 7;
    const make = ascii(t, entries.get(TAG.make))?.toUpperCase();
    const found = make && laidOutAsRaw ? BY_MAKE.find(([prefix]) => make.startsWith(prefix)) : undefined;
    return found?.[1] ?? 'image/tiff';
  } catch (e) {
    if (e instanceof TiffError || e instanceof RangeError) return undefined;
    throw e;
  }
}
