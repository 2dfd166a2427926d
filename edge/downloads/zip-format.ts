/**
 * The ZIP records of a streamed, stored (uncompressed) archive whose entry
 * sizes are known before the first byte and whose CRC-32s are learnt while
 * the bytes pass (APPNOTE 6.3.10):
 *
 *   [local header, name, extras][data][data descriptor] … [central directory]
 *   [Zip64 end record, Zip64 locator, when needed][end record]
 *
 * Every entry sets bit 3 (CRC in a data descriptor after the data) and bit 11
 * (UTF-8 names); the sizes are written in the local header anyway, because
 * they are known, so readers that stream without the central directory can
 * find the end of stored data. An entry of 4 GiB or more is Zip64: its local
 * header carries 0xFFFFFFFF sizes and a Zip64 extra with the real ones, and
 * its descriptor 8-byte sizes. The central directory adds a Zip64 extra for
 * whatever overflows (sizes, the header offset); the end records go Zip64
 * when an entry does, or the entry count reaches 65,535, or an offset or the
 * directory's size overflows 32 bits. An extended-timestamp extra (0x5455)
 * carries the UTC modification time besides the DOS (2 s, local) one.
 * Everything here is pure and deterministic, so `archiveLength` is exact.
 */

export interface ZipEntry {
  /** UTF-8 bytes of the (already safe and unique) name. */
  name: Uint8Array;
  size: number;
  mtime: Date;
}

const U32 = 0xffffffff;
const U16 = 0xffff;
const LOCAL = 30;
const CENTRAL = 46;
const TIME_EXTRA = 9;
const LOCAL_ZIP64_EXTRA = 20;
const ZIP64_END = 56;
const ZIP64_LOCATOR = 20;
const END = 22;
const FLAGS = 0x0808;

export interface LayoutOptions {
  /** Make every entry and the end records Zip64 (tests use it to exercise Zip64 readers on small archives). */
  forceZip64?: boolean;
}

const bigEntry = (size: number, o: LayoutOptions) => o.forceZip64 === true || size >= U32;

export const localLength = (e: ZipEntry, o: LayoutOptions) =>
  LOCAL + e.name.length + TIME_EXTRA + (bigEntry(e.size, o) ? LOCAL_ZIP64_EXTRA : 0);
export const descriptorLength = (e: ZipEntry, o: LayoutOptions) => (bigEntry(e.size, o) ? 24 : 16);

function centralZip64Fields(e: ZipEntry, offset: number, o: LayoutOptions): number[] {
  const fields: number[] = [];
  if (bigEntry(e.size, o)) fields.push(e.size, e.size);
  if (o.forceZip64 === true || offset >= U32) fields.push(offset);
  return fields;
}

const centralLength = (e: ZipEntry, offset: number, o: LayoutOptions) => {
  const n = centralZip64Fields(e, offset, o).length;
  return CENTRAL + e.name.length + TIME_EXTRA + (n ? 4 + 8 * n : 0);
};

/** Where each entry's local header starts, where the directory starts and how long it is, and the archive's length. */
export function layout(entries: readonly ZipEntry[], o: LayoutOptions = {}) {
  const offsets: number[] = [];
  let at = 0;
  for (const e of entries) {
    offsets.push(at);
    at += localLength(e, o) + e.size + descriptorLength(e, o);
  }
  const directoryOffset = at;
  let directorySize = 0;
  entries.forEach((e, i) => {
    directorySize += centralLength(e, offsets[i]!, o);
  });
  const zip64End =
    o.forceZip64 === true ||
    entries.length >= U16 ||
    directoryOffset >= U32 ||
    directorySize >= U32 ||
    entries.some((e) => bigEntry(e.size, o));
  const length = directoryOffset + directorySize + (zip64End ? ZIP64_END + ZIP64_LOCATOR : 0) + END;
  return { offsets, directoryOffset, directorySize, zip64End, length };
}

/** The exact byte length of the archive `entries` make. */
export const archiveLength = (entries: readonly ZipEntry[], o: LayoutOptions = {}) => layout(entries, o).length;

function dos(d: Date): { time: number; date: number } {
  // DOS dates run from 1980 to 2107; clamp rather than wrap.
  const t = Math.min(Math.max(d.getTime(), Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58));
  const c = new Date(t);
  return {
    time: (c.getUTCHours() << 11) | (c.getUTCMinutes() << 5) | (c.getUTCSeconds() >> 1),
    date: ((c.getUTCFullYear() - 1980) << 9) | ((c.getUTCMonth() + 1) << 5) | c.getUTCDate(),
  };
}

const unixSeconds = (d: Date) => Math.min(Math.max(Math.floor(d.getTime() / 1000), 0), U32);

function writeTimeExtra(v: DataView, at: number, mtime: Date) {
  v.setUint16(at, 0x5455, true);
  v.setUint16(at + 2, 5, true);
  v.setUint8(at + 4, 1);
  v.setUint32(at + 5, unixSeconds(mtime), true);
}

/** The local header, name and extras of an entry. */
export function localHeader(e: ZipEntry, o: LayoutOptions): Uint8Array {
  const big = bigEntry(e.size, o);
  const out = new Uint8Array(localLength(e, o));
  const v = new DataView(out.buffer);
  const { time, date } = dos(e.mtime);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, big ? 45 : 20, true);
  v.setUint16(6, FLAGS, true);
  v.setUint16(8, 0, true); // stored
  v.setUint16(10, time, true);
  v.setUint16(12, date, true);
  v.setUint32(14, 0, true); // CRC-32: in the data descriptor
  v.setUint32(18, big ? U32 : e.size, true);
  v.setUint32(22, big ? U32 : e.size, true);
  v.setUint16(26, e.name.length, true);
  v.setUint16(28, out.length - LOCAL - e.name.length, true);
  out.set(e.name, LOCAL);
  let at = LOCAL + e.name.length;
  if (big) {
    v.setUint16(at, 0x0001, true);
    v.setUint16(at + 2, 16, true);
    v.setBigUint64(at + 4, BigInt(e.size), true);
    v.setBigUint64(at + 12, BigInt(e.size), true);
    at += LOCAL_ZIP64_EXTRA;
  }
  writeTimeExtra(v, at, e.mtime);
  return out;
}

/** The data descriptor that follows an entry's data. */
export function dataDescriptor(e: ZipEntry, crc: number, o: LayoutOptions): Uint8Array {
  const out = new Uint8Array(descriptorLength(e, o));
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x08074b50, true);
  v.setUint32(4, crc, true);
  if (out.length === 24) {
    v.setBigUint64(8, BigInt(e.size), true);
    v.setBigUint64(16, BigInt(e.size), true);
  } else {
    v.setUint32(8, e.size, true);
    v.setUint32(12, e.size, true);
  }
  return out;
}

/** An entry's central directory record. */
export function centralHeader(e: ZipEntry, crc: number, offset: number, o: LayoutOptions): Uint8Array {
  const big = bigEntry(e.size, o);
  const zip64 = centralZip64Fields(e, offset, o);
  const out = new Uint8Array(centralLength(e, offset, o));
  const v = new DataView(out.buffer);
  const { time, date } = dos(e.mtime);
  v.setUint32(0, 0x02014b50, true);
  v.setUint16(4, (3 << 8) | 45, true); // made by: Unix, 4.5
  v.setUint16(6, zip64.length ? 45 : 20, true);
  v.setUint16(8, FLAGS, true);
  v.setUint16(10, 0, true);
  v.setUint16(12, time, true);
  v.setUint16(14, date, true);
  v.setUint32(16, crc, true);
  v.setUint32(20, big ? U32 : e.size, true);
  v.setUint32(24, big ? U32 : e.size, true);
  v.setUint16(28, e.name.length, true);
  v.setUint16(30, out.length - CENTRAL - e.name.length, true);
  v.setUint32(38, (0o100644 << 16) >>> 0, true); // a regular file, rw-r--r--
  v.setUint32(42, o.forceZip64 === true || offset >= U32 ? U32 : offset, true);
  out.set(e.name, CENTRAL);
  let at = CENTRAL + e.name.length;
  if (zip64.length) {
    v.setUint16(at, 0x0001, true);
    v.setUint16(at + 2, 8 * zip64.length, true);
    for (const [i, n] of zip64.entries()) v.setBigUint64(at + 4 + 8 * i, BigInt(n), true);
    at += 4 + 8 * zip64.length;
  }
  writeTimeExtra(v, at, e.mtime);
  return out;
}

/** The Zip64 end record and locator (when needed) and the end record. */
export function endRecords(count: number, directoryOffset: number, directorySize: number, zip64End: boolean): Uint8Array {
  const out = new Uint8Array((zip64End ? ZIP64_END + ZIP64_LOCATOR : 0) + END);
  const v = new DataView(out.buffer);
  let at = 0;
  if (zip64End) {
    v.setUint32(0, 0x06064b50, true);
    v.setBigUint64(4, BigInt(ZIP64_END - 12), true);
    v.setUint16(12, (3 << 8) | 45, true);
    v.setUint16(14, 45, true);
    v.setBigUint64(24, BigInt(count), true);
    v.setBigUint64(32, BigInt(count), true);
    v.setBigUint64(40, BigInt(directorySize), true);
    v.setBigUint64(48, BigInt(directoryOffset), true);
    v.setUint32(56, 0x07064b50, true);
    v.setBigUint64(64, BigInt(directoryOffset + directorySize), true);
    v.setUint32(72, 1, true);
    at = ZIP64_END + ZIP64_LOCATOR;
  }
  v.setUint32(at, 0x06054b50, true);
  v.setUint16(at + 8, zip64End ? Math.min(count, U16) : count, true);
  v.setUint16(at + 10, zip64End ? Math.min(count, U16) : count, true);
  v.setUint32(at + 12, zip64End ? Math.min(directorySize, U32) : directorySize, true);
  v.setUint32(at + 16, zip64End ? Math.min(directoryOffset, U32) : directoryOffset, true);
  return out;
}
