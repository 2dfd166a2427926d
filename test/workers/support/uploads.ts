/**
 * Helpers for the upload suites: calls through the Worker (SELF) as a given
 * user from its own client address, the raw S3 calls a client makes with the
 * URLs the edge hands out, and readers for the rows an upload leaves.
 */
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { assets, uploads } from '../../../shared/db/schema.ts';
import { uniqueIp } from './auth.ts';
import { bearer, withDb } from './fixtures.ts';

export const BASE = 'https://edge.test';
export const MiB = 1024 * 1024;

export interface ApiOptions {
  method?: string;
  json?: unknown;
  /** A raw body with its own content type. */
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** A call to the edge as `userId` (or anonymous when undefined). */
export async function api(path: string, userId: string | undefined, o: ApiOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), ...(userId ? await bearer(userId) : {}), ...o.headers };
  if (o.json !== undefined) headers['content-type'] ??= 'application/json';
  const body = o.json !== undefined ? JSON.stringify(o.json) : o.body;
  return SELF.fetch(`${BASE}${path}`, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

/** The JSON of a response, after checking its status (the body is shown when it differs). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

export interface MultipartStart {
  key: string;
  uploadId: string;
  assetId: string;
  partSize: number;
  maxPartNumber: number;
  expiresAt: string;
}

export async function startMultipart(userId: string, size: number, extra: Record<string, unknown> = {}): Promise<MultipartStart> {
  const res = await api('/s3/multipart', userId, {
    json: { filename: 'big.bin', type: 'application/octet-stream', metadata: { size, ...extra } },
  });
  return json<MultipartStart>(res, 200);
}

const q = (key: string) => `?key=${encodeURIComponent(key)}`;

/** Signs part `n` through the edge and PUTs `bytes` to S3; returns the ETag. */
export async function uploadPart(userId: string, up: MultipartStart, n: number, bytes: Uint8Array): Promise<string> {
  const signed = await json<{ url: string; expires: number }>(await api(`/s3/multipart/${up.uploadId}/${n}${q(up.key)}`, userId), 200);
  const res = await fetch(signed.url, { method: 'PUT', body: bytes });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.get('etag')!;
}

export const listParts = (userId: string, up: MultipartStart) => api(`/s3/multipart/${up.uploadId}${q(up.key)}`, userId);

export const completeUpload = (userId: string, up: MultipartStart, parts: { PartNumber: number; ETag: string }[]) =>
  api(`/s3/multipart/${up.uploadId}/complete${q(up.key)}`, userId, { json: { parts } });

export const abortUpload = (userId: string, up: MultipartStart) =>
  api(`/s3/multipart/${up.uploadId}${q(up.key)}`, userId, { method: 'DELETE' });

/** The asset and upload rows of an asset. */
export function rowsOf(assetId: string) {
  return withDb(async (db) => {
    const [asset] = await db.select().from(assets).where(eq(assets.id, assetId));
    const ups = await db.select().from(uploads).where(eq(uploads.assetId, assetId));
    return { asset, uploads: ups };
  });
}

/** `n` bytes of a repeating pattern seeded by `seed`, so two files differ. */
export function bytesOf(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
export function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
