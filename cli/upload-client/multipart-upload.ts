/**
 * Uploads one file through the edge's multipart contract with a few parts in
 * flight, streaming each part from disk (memory stays flat whatever the file
 * size: a part is never held whole), and resumes an interrupted upload: the
 * upload id is kept in the resume state, S3's ListParts says which parts are
 * stored, and only the others are sent. A part that fails is retried with a
 * fresh URL (an expired URL included) before the upload gives up.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgeError, type EdgeApi, type MultipartStart, type StoredPart } from './edge-api.ts';
import { putFromFile } from './put-from-file.ts';
import type { ResumeState } from './resume-state.ts';
import type { Throttle } from './throttle.ts';

export interface UploadFileOptions {
  api: EdgeApi;
  file: string;
  contentType: string;
  sha256?: string;
  state?: ResumeState;
  /** Parts in flight. @default 4 */
  concurrency?: number;
  throttle?: Throttle;
  /** Bytes read from disk and sent (negative when a failed attempt is taken back). */
  onBytes?: (delta: number) => void;
  /** Called once the plan is known: parts already stored, bytes they hold. */
  onPlan?: (plan: { size: number; partCount: number; stored: number[]; storedBytes: number; resumed: boolean }) => void;
  onPart?: (partNumber: number, partCount: number) => void;
  signal?: AbortSignal;
}

export interface UploadFileResult {
  assetId: string;
  key: string;
  uploadId: string;
  partCount: number;
  /** Parts this run sent. */
  sent: number[];
  /** Parts found stored from an earlier run. */
  resumed: number[];
}

const RETRIES = 5;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** Storage refused a part outright (a 4xx other than an expired URL): trying again cannot help. */
class PartRefused extends Error {
  override readonly name = 'PartRefused';
}

/** The upload to continue for this file, or a new one (recorded in the state before any part is sent). */
async function openUpload(
  o: UploadFileOptions,
  size: number,
  mtimeMs: number,
): Promise<{ up: MultipartStart; stored: StoredPart[]; resumed: boolean; completed?: boolean }> {
  const known = o.state?.find(o.file, o.api.endpoint, size, mtimeMs);
  if (known) {
    const up = { ...known, maxPartNumber: Math.ceil(size / known.partSize), expiresAt: '' };
    try {
      return { up, stored: await o.api.listParts(known.uploadId, known.key), resumed: true };
    } catch (err) {
      // Completed by the run that was interrupted (after its complete, before it noted so).
      if (err instanceof EdgeError && err.status === 409) return { up, stored: [], resumed: true, completed: true };
      // Gone (aborted, expired, swept) or someone else's: start over. Anything else is worth reporting.
      if (!(err instanceof EdgeError) || ![404, 410].includes(err.status)) throw err;
      await o.state?.delete(o.file);
    }
  }
  const up = await o.api.createMultipart({
    filename: path.basename(o.file),
    type: o.contentType,
    size,
    ...(o.sha256 ? { sha256: o.sha256 } : {}),
  });
  await o.state?.set(o.file, {
    endpoint: o.api.endpoint,
    size,
    mtimeMs,
    uploadId: up.uploadId,
    key: up.key,
    assetId: up.assetId,
    partSize: up.partSize,
  });
  return { up, stored: [], resumed: false };
}

/** Sends part `n`; `signed` is its URL asked for ahead (used for the first attempt). */
async function sendPart(
  o: UploadFileOptions,
  up: MultipartStart,
  n: number,
  start: number,
  end: number,
  signed?: Promise<string>,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted();
    const counted = { n: 0 };
    let failure: unknown;
    try {
      const url = await (attempt === 1 && signed ? signed : o.api.partUrl(up.uploadId, up.key, n));
      const res = await putFromFile({
        url,
        file: o.file,
        start,
        end,
        onBytes: (b) => {
          counted.n += b;
          o.onBytes?.(b);
        },
        ...(o.throttle ? { throttle: o.throttle } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const text = res.text;
      if (res.status === 200) {
        if (res.etag) return res.etag;
        failure = new Error(`part ${n}: no ETag in the answer (the bucket's CORS must expose ETag)`);
      } else if (res.status === 403 && /expired/i.test(text)) {
        failure = new Error(`part ${n}: URL expired`);
      } else if (res.status >= 500 || res.status === 429 || res.status === 408) {
        failure = new Error(`part ${n}: storage answered ${res.status}`);
      } else {
        throw new PartRefused(`part ${n}: storage refused it (${res.status}): ${text.slice(0, 300)}`);
      }
    } catch (err) {
      if (o.signal?.aborted || err instanceof PartRefused) throw err;
      if (err instanceof EdgeError && !err.transient) throw err;
      failure = err;
    }
    o.onBytes?.(-counted.n);
    if (attempt >= RETRIES) throw failure;
    await sleep(Math.min(8000, 250 * 2 ** attempt), o.signal);
  }
}

export async function uploadFile(o: UploadFileOptions): Promise<UploadFileResult> {
  const { size, mtimeMs } = await stat(o.file);
  if (size === 0) throw new Error(`${o.file} is empty`);
  const { up, stored, resumed, completed } = await openUpload(o, size, mtimeMs);
  const partCount = Math.ceil(size / up.partSize);
  if (completed) {
    await o.state?.delete(o.file);
    return { assetId: up.assetId, key: up.key, uploadId: up.uploadId, partCount, sent: [], resumed: [] };
  }
  const range = (n: number) => [(n - 1) * up.partSize, Math.min(size, n * up.partSize)] as const;
  const etags = new Map<number, string>();
  for (const p of stored) {
    const [start, end] = range(p.PartNumber);
    if (p.PartNumber <= partCount && p.Size === end - start) etags.set(p.PartNumber, p.ETag);
  }
  const resumedParts = [...etags.keys()].sort((a, b) => a - b);
  o.onPlan?.({
    size,
    partCount,
    stored: resumedParts,
    storedBytes: resumedParts.reduce((s, n) => s + range(n)[1] - range(n)[0], 0),
    resumed,
  });

  const queue = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !etags.has(n));
  const sent: number[] = [];
  // Each worker asks for its next part's URL while the current part is on the wire, so the
  // signing round trip to the edge is off the critical path.
  const sign = (n: number | undefined) => {
    if (n === undefined) return undefined;
    const p = o.api.partUrl(up.uploadId, up.key, n);
    p.catch(() => {}); // a failed ahead-of-time signing is retried by sendPart
    return p;
  };
  const worker = async () => {
    let n = queue.shift();
    let signed = sign(n);
    while (n !== undefined) {
      const current = n;
      const url = signed;
      n = queue.shift();
      signed = sign(n);
      const [start, end] = range(current);
      etags.set(current, await sendPart(o, up, current, start, end, url));
      sent.push(current);
      o.onPart?.(current, partCount);
    }
  };
  const workers = Array.from({ length: Math.min(o.concurrency ?? 4, queue.length) }, worker);
  // One failed part stops the others from taking more; what is stored stays for a resume.
  await Promise.all(workers.map((w) => w.catch((err: unknown) => ((queue.length = 0), Promise.reject(err)))));

  const parts = [...etags].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag }));
  await o.api.complete(up.uploadId, up.key, parts);
  await o.state?.delete(o.file);
  return { assetId: up.assetId, key: up.key, uploadId: up.uploadId, partCount, sent, resumed: resumedParts };
}
