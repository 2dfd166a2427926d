/**
 * A small, bounds-checked reader of TIFF image file directories (IFDs), the
 * structure of TIFF and of nearly every camera RAW (DNG, CR2, NEF, ARW, PEF,
 * SRW; ORF and RW2 with their own magic). It reads only what the sniffer and
 * the RAW preview walker need: the header, one IFD's entries, and a tag's
 * numbers or text. Every offset and length is checked against the buffer and
 * every count is capped, so hostile bytes give a TiffError, never a read out
 * of bounds or a huge allocation.
 */

export class TiffError extends Error {
  override name = 'TiffError';
}

/** Entries in one IFD beyond this are refused (real files have a few hundred at most). */
export const MAX_IFD_ENTRIES = 1024;
/** Values of one tag we read as numbers beyond this are refused (SubIFDs, single strips). */
export const MAX_VALUES = 64;

export interface Tiff {
  buf: Buffer;
  le: boolean;
  /** Offset of IFD0. */
  ifd0: number;
  /** The four magic bytes: `II*\0`, `MM\0*`, `IIRO` (ORF), `IIU\0` (RW2)… */
  magic: string;
}

export interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the entry's 4-byte value/offset field. */
  at: number;
}

export interface Ifd {
  entries: Map<number, Entry>;
  /** Offset of the next IFD in the chain, 0 at its end. */
  next: number;
}

/** TIFF's own magic, and the TIFF-structured RAWs that change its version number. */
const MAGICS = new Set(['II*\0', 'MM\0*', 'IIRO', 'IIRS', 'MMOR', 'IIU\0']);

/** The header of a TIFF-structured file, or undefined when `buf` is not one. */
export function tiffHeader(buf: Buffer): Tiff | undefined {
  if (buf.length < 8) return undefined;
  const magic = buf.toString('latin1', 0, 4);
  if (!MAGICS.has(magic)) return undefined;
  const le = magic.startsWith('II');
  return { buf, le, ifd0: le ? buf.readUInt32LE(4) : buf.readUInt32BE(4), magic };
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 13: 4 };

const u16 = (t: Tiff, at: number) => (t.le ? t.buf.readUInt16LE(at) : t.buf.readUInt16BE(at));
const u32 = (t: Tiff, at: number) => (t.le ? t.buf.readUInt32LE(at) : t.buf.readUInt32BE(at));

/** Reads the IFD at `at`. */
export function readIfd(t: Tiff, at: number): Ifd {
  if (at < 8 || at + 2 > t.buf.length) throw new TiffError(`IFD at ${at} is outside the file`);
  const n = u16(t, at);
  if (n === 0 || n > MAX_IFD_ENTRIES) throw new TiffError(`IFD at ${at} declares ${n} entries`);
  const end = at + 2 + n * 12;
  if (end + 4 > t.buf.length) throw new TiffError(`IFD at ${at} runs past the end of the file`);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < n; i++) {
    const e = at + 2 + i * 12;
    const tag = u16(t, e);
    if (!entries.has(tag)) entries.set(tag, { tag, type: u16(t, e + 2), count: u32(t, e + 4), at: e + 8 });
  }
  return { entries, next: u32(t, end) };
}

/** Where an entry's value bytes are, checked to lie inside the file. */
function valueSpan(t: Tiff, e: Entry): { from: number; size: number } {
  const unit = TYPE_SIZE[e.type];
  if (!unit) throw new TiffError(`tag ${e.tag} has unknown type ${e.type}`);
  const size = unit * e.count;
  const from = size <= 4 ? e.at : u32(t, e.at);
  if (from + size > t.buf.length) throw new TiffError(`tag ${e.tag}'s value lies outside the file`);
  return { from, size };
}

/** The unsigned integer values of a BYTE/SHORT/LONG/IFD tag (at most MAX_VALUES of them). */
export function numbers(t: Tiff, e: Entry | undefined): number[] {
  if (!e) return [];
  if (e.count > MAX_VALUES) throw new TiffError(`tag ${e.tag} has ${e.count} values`);
  if (![1, 3, 4, 13].includes(e.type)) throw new TiffError(`tag ${e.tag} is not an integer (type ${e.type})`);
  const { from } = valueSpan(t, e);
  const out: number[] = [];
  for (let i = 0; i < e.count; i++) {
    out.push(e.type === 1 ? t.buf[from + i]! : e.type === 3 ? u16(t, from + i * 2) : u32(t, from + i * 4));
  }
  return out;
}

/** The first value of an integer tag, or undefined. */
export function number(t: Tiff, e: Entry | undefined): number | undefined {
  return e && e.count >= 1 ? numbers(t, { ...e, count: 1 })[0] : undefined;
}

/** An ASCII tag's text up to its first NUL (at most 256 bytes read). */
export function ascii(t: Tiff, e: Entry | undefined): string | undefined {
  if (e?.type !== 2) return undefined;
  const { from, size } = valueSpan(t, { ...e, count: Math.min(e.count, 256) });
  const text = t.buf.toString('latin1', from, from + size);
  const nul = text.indexOf('\0');
  return (nul < 0 ? text : text.slice(0, nul)).trim();
}

/** An UNDEFINED-typed blob's offset and length (RW2 keeps its JPEG this way), unchecked against the file. */
export function blob(t: Tiff, e: Entry): { offset: number; length: number } {
  return { offset: e.count <= 4 ? e.at : u32(t, e.at), length: e.count };
}
