/**
 * A small ZIP reader for workerd tests, written from APPNOTE independently of
 * the encoder under test (its own CRC-32 table): the end records (Zip64
 * included), the central directory, and each stored entry's bytes checked
 * against its CRC, its local header and its data descriptor.
 */
export interface ReadEntry {
  name: string;
  size: number;
  crc: number;
  flags: number;
  mtimeUnix: number | null;
  data: Uint8Array;
}

const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function extras(view: DataView, at: number, len: number): Map<number, DataView> {
  const out = new Map<number, DataView>();
  for (let p = at; p + 4 <= at + len; ) {
    const id = view.getUint16(p, true);
    const size = view.getUint16(p + 2, true);
    out.set(id, new DataView(view.buffer, view.byteOffset + p + 4, size));
    p += 4 + size;
  }
  return out;
}

export function readZip(zip: Uint8Array): { entries: ReadEntry[]; zip64: boolean } {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.byteLength - 22;
  if (v.getUint32(eocd, true) !== 0x06054b50) throw new Error('no end record');
  let count = v.getUint16(eocd + 10, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  const zip64 = eocd >= 20 && v.getUint32(eocd - 20, true) === 0x07064b50;
  if (zip64) {
    const rec = Number(v.getBigUint64(eocd - 20 + 8, true));
    if (v.getUint32(rec, true) !== 0x06064b50) throw new Error('bad Zip64 end record');
    count = Number(v.getBigUint64(rec + 32, true));
    cdOffset = Number(v.getBigUint64(rec + 48, true));
  }
  const entries: ReadEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (v.getUint32(p, true) !== 0x02014b50) throw new Error(`bad central header ${i}`);
    const flags = v.getUint16(p + 8, true);
    const crc = v.getUint32(p + 16, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let offset = v.getUint32(p + 42, true);
    const name = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(zip.subarray(p + 46, p + 46 + nameLen));
    const ex = extras(v, p + 46 + nameLen, extraLen);
    const z = ex.get(1);
    let zi = 0;
    if (size === 0xffffffff) {
      size = Number(z!.getBigUint64(zi, true));
      zi += 16;
    }
    if (offset === 0xffffffff) offset = Number(z!.getBigUint64(zi, true));
    const ut = ex.get(0x5455);
    const mtimeUnix = ut ? ut.getUint32(1, true) : null;
    if (v.getUint32(offset, true) !== 0x04034b50) throw new Error(`bad local header ${name}`);
    const start = offset + 30 + v.getUint16(offset + 26, true) + v.getUint16(offset + 28, true);
    const data = zip.subarray(start, start + size);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch in ${name}`);
    if (v.getUint32(start + size, true) !== 0x08074b50 || v.getUint32(start + size + 4, true) !== crc) {
      throw new Error(`bad data descriptor for ${name}`);
    }
    entries.push({ name, size, crc, flags, mtimeUnix, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, zip64 };
}
