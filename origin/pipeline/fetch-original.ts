/**
 * Reads an original once, as a stream: counts and hashes every byte, keeps
 * the first bytes for sniffing and the last for the end-marker check, and
 * writes the bytes to a local file only when a later step needs one (sharp,
 * pdftoppm, a malware scanner). A 5 GB video is hashed in passing and never
 * lands on disk or in memory: MediaConvert reads it from S3 itself.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { bareEtag } from '../../shared/storage/etag.ts';
import type { OriginStorage } from '../core/storage.ts';
import { SNIFF_BYTES, TAIL_BYTES, sniff, type Sniffed } from '../processing/sniff.ts';

export interface FetchedOriginal {
  /** Which object was read: its ETag (bare) and, in a versioned bucket, its version id. */
  etag: string;
  versionId: string | null;
  /** Bytes read (or, when `hash` was off and nothing was spooled, the stored length). */
  size: number;
  /** Lower-case hex SHA-256 of every byte; absent when hashing was not asked for. */
  sha256?: string;
  sniffed: Sniffed;
  tail: Uint8Array;
  /** The local copy, when `spool` asked for one. */
  file?: string;
}

export interface FetchOptions {
  /** Where the local copy goes (a per-message temporary folder the caller removes). */
  dir: string;
  /** Read and hash the whole object (needed to compare with a recorded SHA-256). */
  hash: boolean;
  /** Decides from the sniffed type whether a local copy is needed. */
  spool: (sniffed: Sniffed) => boolean;
}

/** Streams `bucket/key`; null when the object does not exist. */
export async function fetchOriginal(
  storage: OriginStorage,
  bucket: string,
  key: string,
  opts: FetchOptions,
): Promise<FetchedOriginal | null> {
  const res = await storage.get(bucket, key);
  if (!res) return null;
  // One GET is one version: these name exactly the bytes read below.
  const version = { etag: bareEtag(res.etag), versionId: res.versionId ?? null };
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const hasher = createHash('sha256');
  let size = 0;
  let tail: Uint8Array = new Uint8Array(0);
  const take = (chunk: Uint8Array) => {
    hasher.update(chunk);
    size += chunk.length;
    tail = lastBytes(tail, chunk);
  };

  const headParts: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  try {
    while (headLength < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) {
        done = true;
        break;
      }
      headParts.push(next.value);
      headLength += next.value.length;
      take(next.value);
    }
    const head = Buffer.concat(headParts);
    const sniffed = await sniff(head);
    const spool = opts.spool(sniffed);

    if (!spool && !opts.hash) {
      // Nothing more to learn from the bytes: trust the stored length.
      return { ...version, size: done ? size : res.size, sniffed, tail: done ? tail : new Uint8Array(0) };
    }

    const file = spool ? path.join(opts.dir, 'original') : undefined;
    const fh = file ? await open(file, 'wx') : undefined;
    try {
      if (fh) await fh.write(head);
      while (!done) {
        const next = await chunks.next();
        if (next.done) break;
        take(next.value);
        if (fh) await fh.write(next.value);
      }
    } finally {
      await fh?.close();
    }
    return { ...version, size, sha256: hasher.digest('hex'), sniffed, tail, ...(file ? { file } : {}) };
  } finally {
    // Not read to the end (nothing more needed, or a failure): release the connection.
    if (!res.body.readableEnded) res.body.destroy();
  }
}

/** The last TAIL_BYTES of `prev` followed by `chunk`. */
function lastBytes(prev: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= TAIL_BYTES) return chunk.slice(chunk.length - TAIL_BYTES);
  const keep = Math.min(prev.length, TAIL_BYTES - chunk.length);
  const out = new Uint8Array(keep + chunk.length);
  out.set(prev.subarray(prev.length - keep), 0);
  out.set(chunk, keep);
  return out;
}
