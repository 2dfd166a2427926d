/**
 * Adds an `irot` (rotation) property to the primary image of a HEIF file, as
 * an iPhone writes for a photo taken in portrait: Debian's heif-enc (libheif
 * 1.15) cannot write one. ISO/IEC 23008-12 boxes: the property goes at the
 * end of `meta/iprp/ipco`, the primary item's `ipma` entry gets an essential
 * association to it, and every `iloc` offset moves by the bytes `meta` grew.
 */

interface Box {
  type: string;
  /** Everything after the 8-byte header (for full boxes, version and flags included). */
  body: Buffer;
  children?: Box[];
}

const CONTAINERS = new Set(['meta', 'iprp', 'ipco']);

function parse(buf: Buffer, start = 0): Box[] {
  const out: Box[] = [];
  let at = start;
  while (at + 8 <= buf.length) {
    const size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > buf.length) throw new Error(`bad box ${type} at ${at}`);
    const body = buf.subarray(at + 8, at + size);
    const box: Box = { type, body };
    if (CONTAINERS.has(type)) box.children = parse(body, type === 'meta' ? 4 : 0);
    out.push(box);
    at += size;
  }
  return out;
}

function write(box: Box): Buffer {
  const body = box.children
    ? Buffer.concat([box.type === 'meta' ? box.body.subarray(0, 4) : Buffer.alloc(0), ...box.children.map(write)])
    : box.body;
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8);
  head.write(box.type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

const child = (b: Box, type: string) => {
  const c = b.children?.find((x) => x.type === type);
  if (!c) throw new Error(`no ${type} in ${b.type}`);
  return c;
};

/** `quarterTurns` anticlockwise (irot's angle × 90°). */
export function addRotation(heif: Buffer, quarterTurns: 1 | 2 | 3): Buffer {
  const top = parse(heif);
  const meta = top.find((b) => b.type === 'meta');
  if (!meta) throw new Error('no meta box');
  const metaSizeBefore = write(meta).length;
  const primary = child(meta, 'pitm').body.readUInt16BE(4);
  const ipco = child(child(meta, 'iprp'), 'ipco');
  ipco.children!.push({ type: 'irot', body: Buffer.from([quarterTurns]) });
  const index = ipco.children!.length; // 1-based
  const ipma = child(child(meta, 'iprp'), 'ipma');
  ipma.body = withAssociation(ipma.body, primary, index);
  const iloc = child(meta, 'iloc');
  iloc.body = shiftOffsets(iloc.body, write(meta).length - metaSizeBefore);
  return Buffer.concat(top.map(write));
}

function withAssociation(body: Buffer, item: number, index: number): Buffer {
  const version = body[0]!;
  const wide = (body.readUInt32BE(0) & 1) === 1;
  if (version !== 0 || wide || index > 127) throw new Error('only ipma v0 with 7-bit indexes is handled');
  let at = 8; // version+flags, entry_count
  for (let i = 0; i < body.readUInt32BE(4); i++) {
    const id = body.readUInt16BE(at);
    const count = body[at + 2]!;
    if (id === item) {
      const out = Buffer.concat([body.subarray(0, at + 3 + count), Buffer.from([0x80 | index]), body.subarray(at + 3 + count)]);
      out[at + 2] = count + 1;
      return out;
    }
    at += 3 + count;
  }
  throw new Error(`item ${item} has no ipma entry`);
}

function shiftOffsets(body: Buffer, delta: number): Buffer {
  const out = Buffer.from(body);
  const version = out[0]!;
  const offsetSize = out[4]! >> 4;
  const lengthSize = out[4]! & 15;
  const baseSize = out[5]! >> 4;
  const indexSize = version > 0 ? out[5]! & 15 : 0;
  let at = 6;
  const count = version < 2 ? out.readUInt16BE(at) : out.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  const bump = (pos: number, size: number) => {
    if (size === 4) out.writeUInt32BE(out.readUInt32BE(pos) + delta, pos);
    else if (size === 8) out.writeBigUInt64BE(out.readBigUInt64BE(pos) + BigInt(delta), pos);
  };
  for (let i = 0; i < count; i++) {
    at += version < 2 ? 2 : 4; // item_ID
    if (version > 0) at += 2; // construction_method (0 = file offsets, the only kind heif-enc writes)
    at += 2; // data_reference_index
    const base = at;
    at += baseSize;
    const extents = out.readUInt16BE(at);
    at += 2;
    if (baseSize > 0) bump(base, baseSize);
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      if (baseSize === 0) bump(at, offsetSize);
      at += offsetSize + lengthSize;
    }
  }
  return out;
}
