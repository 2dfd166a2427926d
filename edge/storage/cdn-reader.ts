/**
 * How the edge reads media bytes when CloudFront is configured (CDN_DOMAIN,
 * CDN_KEY_PAIR_ID, CDN_PRIVATE_KEY): derivatives through the distribution of
 * infra/constructs/cdn.ts with a CloudFront signed URL (canned policy, one
 * object, a few minutes), S3 otherwise and as the fallback.
 *
 * - Only the derivatives bucket is behind the distribution. Originals stay on
 *   S3: each is typically read once or twice (downloads, the progressive
 *   copy's source), so a CDN copy is rarely hit again, and fronting the raw
 *   bucket would give a second reader to every upload, including the
 *   unscanned ones (docs/architecture.md, "Media from CloudFront").
 * - Range, If-Range, If-None-Match and If-Modified-Since are passed as they
 *   come; CloudFront answers them (from its copy on a hit), and the caller
 *   (delivery/serve-object.ts) decides on the answer exactly as for S3's.
 * - Fallback to S3 when CloudFront fails (5xx, a network error, no status
 *   within CDN_FIRST_BYTE_MS), with a warning in the log. Not on 403 or 404:
 *   with Origin Access Control (s3:GetObject only) a missing object is a 403
 *   from CloudFront, which S3 would repeat one crossing later; and a refused
 *   signature is a misconfiguration that must show (as 404s and a warning
 *   per refusal), not be hidden by silently serving every byte from the region.
 */
import { deadlineSignal } from '../../shared/deadline.ts';
import { signCannedUrl, type CloudFrontSigner } from '../../shared/cdn/signed-url.ts';
import { encodeKey, objectInfo, type GetOptions, type ObjectInfo, type S3Client, StorageError } from './s3-client.ts';

/** What delivery needs from storage: streamed GET (with Range and conditionals) and HEAD. */
export type MediaReader = Pick<S3Client, 'get' | 'head'>;

export interface CdnReaderOptions {
  /** `https://d111.cloudfront.net` (from CDN_DOMAIN). */
  base: URL;
  signer: () => Promise<CloudFrontSigner>;
  /** The bucket behind the distribution. */
  bucket: string;
  /** S3 (with its own deadlines): other buckets, and the fallback. */
  fallback: MediaReader;
  /** No status from CloudFront within this: fall back. */
  firstByteMs: number;
  /** Keys always read from S3 (derivatives rewritten in place, whose old copy CloudFront would keep for its TTL). */
  bypass?: (key: string) => boolean;
  /** Seconds a signed URL lives (at most 300). */
  urlTtlSeconds?: number;
  fetch?: typeof fetch;
}

/** Statuses passed to the caller as S3's would be (the rest are failures). */
const PASSTHROUGH = new Set([200, 206, 304, 412, 416]);

/**
 * Signed URLs are reused while they have at least this much life left, so
 * the RSA signature (about a millisecond of CPU) is paid once a minute per
 * object per isolate, not per request.
 */
const REUSE_MIN_LEFT_SECONDS = 240;
const URL_MEMO_MAX = 1000;

export class CdnReader implements MediaReader {
  private readonly urls = new Map<string, { url: string; expires: number }>();
  private readonly ttl: number;
  private readonly doFetch: typeof fetch;

  constructor(private readonly o: CdnReaderOptions) {
    this.ttl = Math.min(300, o.urlTtlSeconds ?? 300);
    this.doFetch = o.fetch ?? ((input, init) => fetch(input, init));
  }

  /** A signed URL for `key`, valid for at least REUSE_MIN_LEFT_SECONDS more (or the TTL when shorter). */
  async signedUrl(key: string, nowMs = Date.now()): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    const memo = this.urls.get(key);
    if (memo && memo.expires - now >= Math.min(REUSE_MIN_LEFT_SECONDS, this.ttl - 1)) return memo.url;
    const url = new URL(this.o.base);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/${encodeKey(key)}`;
    const expires = now + this.ttl;
    const signed = await signCannedUrl(await this.o.signer(), url.href, expires);
    if (this.urls.size >= URL_MEMO_MAX) this.urls.delete(this.urls.keys().next().value!);
    this.urls.set(key, { url: signed, expires });
    return signed;
  }

  /** The CloudFront answer, or null when it failed and S3 should be asked instead. */
  private async fromCdn(method: 'GET' | 'HEAD', key: string, headers: Headers, signal?: AbortSignal): Promise<Response | null> {
    // The distribution compresses text types (playlists, WebVTT) when asked: the edge needs the
    // stored bytes, whose length and ranges are those of the object, as S3 sends them.
    headers.set('accept-encoding', 'identity');
    const deadline = deadlineSignal(this.o.firstByteMs, 'storage-first-byte', signal);
    let res: Response;
    try {
      res = await this.doFetch(await this.signedUrl(key), { method, headers, signal: deadline.signal });
    } catch (err) {
      if (signal?.aborted && !deadline.fired()) throw err; // the client went away
      warn(deadline.fired() ? `no answer within ${this.o.firstByteMs} ms` : String(err), key);
      return null;
    } finally {
      deadline.clear();
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      warn(`status ${res.status}`, key);
      return null;
    }
    return res;
  }

  async get(bucket: string, key: string, opts: GetOptions = {}): Promise<Response | null> {
    if (bucket !== this.o.bucket || this.o.bypass?.(key)) return this.o.fallback.get(bucket, key, opts);
    const headers = new Headers();
    if (opts.range) headers.set('range', opts.range);
    if (opts.ifNoneMatch) headers.set('if-none-match', opts.ifNoneMatch);
    if (opts.ifMatch) headers.set('if-match', opts.ifMatch);
    if (opts.ifModifiedSince) headers.set('if-modified-since', opts.ifModifiedSince);
    if (opts.ifUnmodifiedSince) headers.set('if-unmodified-since', opts.ifUnmodifiedSince);
    if (opts.ifRange) headers.set('if-range', opts.ifRange);
    const res = await this.fromCdn('GET', key, headers, opts.signal);
    if (!res) return this.o.fallback.get(bucket, key, opts);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status === 403) throw await refused(res, key);
    if (!PASSTHROUGH.has(res.status)) {
      await res.body?.cancel();
      throw new StorageError(res.status, 'CdnError', `CloudFront GET ${key}: ${res.status}`);
    }
    return res;
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    if (bucket !== this.o.bucket || this.o.bypass?.(key)) return this.o.fallback.head(bucket, key);
    const res = await this.fromCdn('HEAD', key, new Headers());
    if (!res) return this.o.fallback.head(bucket, key);
    if (res.status === 404) return null;
    if (res.status === 403) throw await refused(res, key);
    if (!res.ok) throw new StorageError(res.status, 'CdnError', `CloudFront HEAD ${key}: ${res.status}`);
    return objectInfo(res.headers);
  }
}

/** A 403: a missing object behind OAC, or a refused signature (logged, so a bad key pair shows). */
async function refused(res: Response, key: string): Promise<StorageError> {
  const body = res.body ? (await res.text()).slice(0, 512) : '';
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? 'AccessDenied';
  console.warn(JSON.stringify({ level: 'warn', msg: 'CloudFront refused a media read (missing object or signature)', code, key }));
  return new StorageError(403, code, `CloudFront: ${code}`);
}

function warn(reason: string, key: string): void {
  console.warn(JSON.stringify({ level: 'warn', msg: 'CloudFront failed; reading from S3', reason, key }));
}

/** `CDN_DOMAIN` as a base URL: a bare host is https (CloudFront); a full URL is taken as is (the local stand-in). */
export function cdnBase(domain: string): URL {
  return /^https?:\/\//.test(domain) ? new URL(domain) : new URL(`https://${domain}`);
}
