/**
 * The EXIF block of a HEIF file, as TIFF bytes exifr reads like a JPEG's.
 * exifr's own HEIF reader ignores `iloc`'s base offset, which libheif's
 * encoders (heif-enc, and the phones and apps built on libheif) use, so it
 * finds no EXIF in their files; this reads the boxes by ISO/IEC 23008-12:
 * `meta/iinf` names the `Exif` item, `meta/iloc` says where its bytes are
 * (base offset + each extent), and the item starts with the offset of the
 * TIFF header. Anything malformed gives undefined: metadata never fails an
 * asset.
 */

interface Box {
  type: string;
  /** Payload start and end in the file (after the 8- or 16-byte header). */
  start: number;
  end: number;
}

function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1 && at + 16 <= to) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) break;
    out.push({ type: buf.toString('latin1', at + 4, at + 8), start: at + header, end: at + size });
    at += size;
  }
  return out;
}

const uint = (buf: Buffer, at: number, size: number): number =>
  size === 0 ? 0 : size === 2 ? buf.readUInt16BE(at) : size === 4 ? buf.readUInt32BE(at) : Number(buf.readBigUInt64BE(at));

/** The id of the item of type `Exif`, from `iinf`. */
function exifItemId(buf: Buffer, iinf: Box): number | undefined {
  const version = buf[iinf.start]!;
  const first = iinf.start + 4 + (version === 0 ? 2 : 4);
  for (const infe of boxes(buf, first, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const v = buf[infe.start]!;
    if (v < 2) continue;
    const idSize = v === 3 ? 4 : 2;
    const at = infe.start + 4;
    if (buf.toString('latin1', at + idSize + 2, at + idSize + 6) === 'Exif') return uint(buf, at, idSize);
  }
  return undefined;
}

/** The bytes of item `id`, from `iloc` (file offsets only: construction method 0). */
function itemBytes(buf: Buffer, iloc: Box, id: number): Buffer | undefined {
  const version = buf[iloc.start]!;
  let at = iloc.start + 4;
  const offsetSize = buf[at]! >> 4;
  const lengthSize = buf[at]! & 15;
  const baseSize = buf[at + 1]! >> 4;
  const indexSize = version > 0 ? buf[at + 1]! & 15 : 0;
  at += 2;
  const idSize = version < 2 ? 2 : 4;
  const count = uint(buf, at, idSize);
  at += idSize;
  for (let i = 0; i < count && at < iloc.end; i++) {
    const itemId = uint(buf, at, idSize);
    at += idSize;
    const method = version > 0 ? buf.readUInt16BE(at) & 15 : 0;
    if (version > 0) at += 2;
    at += 2; // data_reference_index
    const base = uint(buf, at, baseSize);
    at += baseSize;
    const extents = buf.readUInt16BE(at);
    at += 2;
    const parts: Buffer[] = [];
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      const offset = uint(buf, at, offsetSize);
      const length = uint(buf, at + offsetSize, lengthSize);
      at += offsetSize + lengthSize;
      const end = length ? base + offset + length : buf.length;
      if (itemId === id && end > buf.length) return undefined; // cut short: the item is not all there
      parts.push(buf.subarray(base + offset, end));
    }
    if (itemId === id) return method === 0 ? Buffer.concat(parts) : undefined;
  }
  return undefined;
}

/** The TIFF-structured EXIF of a HEIF file's bytes, or undefined. */
export function heifExif(buf: Buffer): Buffer | undefined {
  try {
    const meta = boxes(buf, 0, buf.length).find((b) => b.type === 'meta');
    if (!meta) return undefined;
    const children = boxes(buf, meta.start + 4, meta.end);
    const iinf = children.find((b) => b.type === 'iinf');
    const iloc = children.find((b) => b.type === 'iloc');
    const id = iinf && exifItemId(buf, iinf);
    const item = id !== undefined && iloc ? itemBytes(buf, iloc, id) : undefined;
    if (!item || item.length < 8) return undefined;
    const tiff = item.subarray(4 + item.readUInt32BE(0));
    const mark = tiff.toString('latin1', 0, 4);
    return mark === 'MM\0*' || mark === 'II*\0' ? tiff : undefined;
  } catch {
    return undefined;
  }
}
