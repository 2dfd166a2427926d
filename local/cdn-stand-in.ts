/**
 * A local stand-in for the CloudFront distribution of infra/constructs/cdn.ts,
 * in front of the local S3 server, so the edge's signed reads are checked for
 * real (local fidelity: production differs only in configuration).
 *
 * What it does as CloudFront does:
 * - every request needs a signed URL from the key group (trusted public
 *   keys by id): canned (`Expires`, `Signature`, `Key-Pair-Id`) or custom
 *   (`Policy`, `Signature`, `Key-Pair-Id`: `DateLessThan`, optional
 *   `DateGreaterThan`, `IpAddress`, a resource with `*`/`?` wildcards).
 *   Missing, expired, tampered or unknown key → 403 with an XML error body;
 * - the signature parameters are not part of the cache key;
 * - the origin is reached as Origin Access Control does: a SigV4-signed
 *   request to the bucket (the local S3 server verifies signatures);
 * - GET answers are cached in memory (bounded, least recently used
 *   first out), and a hit answers Range, If-None-Match, If-Modified-Since
 *   and If-Range from the cached copy; `X-Cache: Hit from cloudfront` /
 *   `Miss from cloudfront` says which.
 *
 * What it does not do: TLS, compression, the response headers policy (CORS,
 * HSTS), TTLs per behaviour (a cached copy stays until evicted, as an
 * immutable derivative would for the 30-day segment TTL), multiple ranges.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { cannedPolicy, fromCloudFrontBase64 } from '../shared/cdn/signed-url.ts';

export interface CdnStandInOptions {
  /** The S3 server (the origin), e.g. http://127.0.0.1:9000. */
  s3Endpoint: string;
  /** The one bucket behind the distribution (the derivatives bucket). */
  bucket: string;
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The key group: Key-Pair-Id → public key PEM. */
  trustedKeys: Record<string, string>;
  port?: number;
  /** Cache capacity in bytes (default 256 MiB); objects larger than a quarter of it are never cached. */
  cacheBytes?: number;
  /** The clock, in seconds (tests). */
  now?: () => number;
  /**
   * Serve `/__stand-in/stats` (GET, JSON counters), `/__stand-in/clear` and
   * `/__stand-in/fail?n=&status=` (POST) for tests that run elsewhere (workerd).
   * Off by default; never part of what CloudFront does.
   */
  control?: boolean;
}

export interface CdnStats {
  requests: number;
  hits: number;
  misses: number;
  denied: number;
  originRequests: number;
}

export interface CdnStandIn {
  /** Base URL, e.g. http://127.0.0.1:PORT: the edge's CDN_DOMAIN locally. */
  endpoint: string;
  stats: CdnStats;
  /** Drops the cache (not the counters). */
  clear(): void;
  /** Makes the next `n` requests (for `path` only, when given) answer this status (tests of the edge's fallback). */
  failNext(n: number, status: number, path?: string): void;
  close(): Promise<void>;
}

interface Cached {
  body: Buffer;
  contentType: string;
  etag: string | null;
  lastModified: string | null;
}

/** Signature parameters: not forwarded, not in the cache key. */
const SIGNATURE_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id'];

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/** CloudFront's wildcard match: `*` any run of characters, `?` exactly one. */
export function resourceMatches(pattern: string, url: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
  return re.test(url);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) + BigInt(Number.parseInt(g || '0', 16)), 0n);
}

/** Is `ip` inside `cidr` (IPv4 or IPv6; a bare address is /32 or /128)? */
export function ipInCidr(ip: string, cidr: string): boolean {
  const clean = ip.replace(/^::ffff:(?=\d+\.)/, '');
  const [net, bitsText] = cidr.split('/') as [string, string | undefined];
  const v = isIP(net);
  if (v === 0 || isIP(clean) !== v) return false;
  const bits = bitsText === undefined ? (v === 4 ? 32 : 128) : Number(bitsText);
  if (v === 4) {
    if (!(bits >= 0 && bits <= 32)) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (ipv4ToInt(clean) & mask) === (ipv4ToInt(net) & mask);
  }
  if (!(bits >= 0 && bits <= 128)) return false;
  const shift = BigInt(128 - bits);
  return ipv6ToBigInt(clean) >> shift === ipv6ToBigInt(net) >> shift;
}

type Check = { ok: true } | { ok: false; code: string; message: string };

interface PolicyStatement {
  Resource?: unknown;
  Condition?: {
    DateLessThan?: { 'AWS:EpochTime'?: unknown };
    DateGreaterThan?: { 'AWS:EpochTime'?: unknown };
    IpAddress?: { 'AWS:SourceIp'?: unknown };
  };
}

/** Verifies a request's signed URL as CloudFront does (resource = scheme://host/path?query without signature params). */
export function checkSignedUrl(url: URL, clientIp: string, keys: Map<string, KeyObject>, nowSeconds: number): Check {
  const q = url.searchParams;
  const keyPairId = q.get('Key-Pair-Id');
  const signature = q.get('Signature');
  const expires = q.get('Expires');
  const policyParam = q.get('Policy');
  if (!keyPairId || !signature || (expires === null) === (policyParam === null)) {
    return { ok: false, code: 'MissingKey', message: 'Missing Key-Pair-Id query parameter or cookie value' };
  }
  const key = keys.get(keyPairId);
  if (!key) return { ok: false, code: 'InvalidKey', message: 'Unknown Key' };
  const resourceUrl = new URL(url);
  for (const p of SIGNATURE_PARAMS) resourceUrl.searchParams.delete(p);
  const resource = resourceUrl.search ? resourceUrl.href : resourceUrl.href.replace(/\?$/, '');

  let policyText: string;
  if (expires !== null) {
    if (!/^\d+$/.test(expires)) return { ok: false, code: 'AccessDenied', message: 'Access denied' };
    policyText = cannedPolicy(resource, Number(expires));
  } else {
    const bytes = fromCloudFrontBase64(policyParam!);
    if (!bytes) return { ok: false, code: 'MalformedPolicy', message: 'Malformed Policy' };
    policyText = Buffer.from(bytes).toString('utf8');
  }
  const sig = fromCloudFrontBase64(signature);
  if (!sig || !verify('sha1', Buffer.from(policyText), key, sig)) {
    return { ok: false, code: 'AccessDenied', message: 'Access denied' };
  }
  let statement: PolicyStatement;
  try {
    const parsed = JSON.parse(policyText) as { Statement?: PolicyStatement[] };
    if (!Array.isArray(parsed.Statement) || parsed.Statement.length !== 1) throw new Error('one statement');
    statement = parsed.Statement[0]!;
  } catch {
    return { ok: false, code: 'MalformedPolicy', message: 'Malformed Policy' };
  }
  const lessThan = statement.Condition?.DateLessThan?.['AWS:EpochTime'];
  if (typeof lessThan !== 'number') return { ok: false, code: 'MalformedPolicy', message: 'Malformed Policy' };
  if (typeof statement.Resource === 'string' && !resourceMatches(statement.Resource, resource)) {
    return { ok: false, code: 'AccessDenied', message: 'Access denied' };
  }
  if (nowSeconds >= lessThan) return { ok: false, code: 'AccessDenied', message: 'Access denied' };
  const greaterThan = statement.Condition?.DateGreaterThan?.['AWS:EpochTime'];
  if (greaterThan !== undefined && (typeof greaterThan !== 'number' || nowSeconds <= greaterThan)) {
    return { ok: false, code: 'AccessDenied', message: 'Access denied' };
  }
  const sourceIp = statement.Condition?.IpAddress?.['AWS:SourceIp'];
  if (sourceIp !== undefined && (typeof sourceIp !== 'string' || !ipInCidr(clientIp, sourceIp))) {
    return { ok: false, code: 'AccessDenied', message: 'Access denied' };
  }
  return { ok: true };
}

type RangeAnswer = { start: number; end: number } | 'unsatisfiable' | null;

/** One `bytes=` spec against a known length (the edge never sends several). */
function rangeOf(header: string | undefined, length: number): RangeAnswer {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - n), end: length - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1);
  if (start >= length || end < start) return 'unsatisfiable';
  return { start, end };
}

/** RFC 9110 weak comparison for If-None-Match. */
function etagListMatches(list: string, etag: string | null): boolean {
  if (!etag) return false;
  if (list.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return list.split(',').some((t) => bare(t) === bare(etag));
}

export async function startCdnStandIn(opts: CdnStandInOptions): Promise<CdnStandIn> {
  const keys = new Map(Object.entries(opts.trustedKeys).map(([id, pem]) => [id, createPublicKey(pem)]));
  const aws = new AwsClient({
    accessKeyId: opts.accessKeyId,
    secretAccessKey: opts.secretAccessKey,
    service: 's3',
    region: opts.region ?? 'us-east-1',
    retries: 0,
  });
  const capacity = opts.cacheBytes ?? 256 * 1024 * 1024;
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const cache = new Map<string, Cached>(); // insertion order = recency
  let cachedBytes = 0;
  const stats: CdnStats = { requests: 0, hits: 0, misses: 0, denied: 0, originRequests: 0 };
  let failures: { left: number; status: number; path?: string | undefined } = { left: 0, status: 500 };

  const remember = (key: string, entry: Cached) => {
    if (entry.body.length > capacity / 4) return;
    const old = cache.get(key);
    if (old) {
      cache.delete(key);
      cachedBytes -= old.body.length;
    }
    cache.set(key, entry);
    cachedBytes += entry.body.length;
    for (const [k, v] of cache) {
      if (cachedBytes <= capacity) break;
      cache.delete(k);
      cachedBytes -= v.body.length;
    }
  };

  const fromCache = (req: IncomingMessage, res: ServerResponse, hit: Cached) => {
    const validators: Record<string, string> = {
      ...(hit.etag ? { etag: hit.etag } : {}),
      ...(hit.lastModified ? { 'last-modified': hit.lastModified } : {}),
    };
    const common = { 'x-cache': 'Hit from cloudfront', 'accept-ranges': 'bytes', ...validators };
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const notModified =
      inm !== undefined
        ? etagListMatches(inm, hit.etag)
        : ims !== undefined && hit.lastModified !== null && Date.parse(hit.lastModified) <= Date.parse(ims);
    if (notModified) {
      res.writeHead(304, common).end();
      return;
    }
    const ifRange = req.headers['if-range'] as string | undefined;
    const rangeHolds =
      ifRange === undefined || (ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === hit.etag : ifRange === hit.lastModified);
    const range = rangeHolds ? rangeOf(req.headers.range, hit.body.length) : null;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'content-range': `bytes */${hit.body.length}` }).end();
      return;
    }
    const body = range ? hit.body.subarray(range.start, range.end + 1) : hit.body;
    res.writeHead(range ? 206 : 200, {
      ...common,
      'content-type': hit.contentType,
      'content-length': String(body.length),
      ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${hit.body.length}` } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (opts.control && url.pathname.startsWith('/__stand-in/')) {
      stats.requests -= 1;
      if (url.pathname === '/__stand-in/stats') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      else if (url.pathname === '/__stand-in/clear' && req.method === 'POST') {
        cache.clear();
        cachedBytes = 0;
        res.writeHead(204).end();
      } else if (url.pathname === '/__stand-in/fail' && req.method === 'POST') {
        failures = {
          left: Number(url.searchParams.get('n') ?? 1),
          status: Number(url.searchParams.get('status') ?? 500),
          path: url.searchParams.get('path') ?? undefined,
        };
        res.writeHead(204).end();
      } else res.writeHead(404).end();
      return;
    }
    if (failures.left > 0 && (failures.path === undefined || failures.path === url.pathname)) {
      failures.left -= 1;
      res.writeHead(failures.status, { 'content-type': 'text/html', 'x-cache': 'Error from cloudfront' }).end('CloudFront error');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/xml' }).end(xmlError('MethodNotAllowed', 'Method not allowed'));
      return;
    }
    const check = checkSignedUrl(url, req.socket.remoteAddress ?? '', keys, now());
    if (!check.ok) {
      stats.denied += 1;
      res
        .writeHead(403, { 'content-type': 'text/xml', 'x-cache': 'Error from cloudfront' })
        .end(req.method === 'HEAD' ? undefined : xmlError(check.code, check.message));
      return;
    }
    const objectPath = url.pathname; // the cache key: no query (the distribution's cache policy forwards none)
    const hit = cache.get(objectPath);
    if (hit) {
      stats.hits += 1;
      cache.delete(objectPath);
      cache.set(objectPath, hit);
      fromCache(req, res, hit);
      return;
    }
    stats.misses += 1;
    stats.originRequests += 1;
    const origin = new URL(opts.s3Endpoint);
    origin.pathname = `${origin.pathname.replace(/\/$/, '')}/${opts.bucket}${objectPath}`;
    const forward = new Headers();
    for (const h of ['range', 'if-none-match', 'if-modified-since', 'if-range']) {
      const v = req.headers[h];
      if (typeof v === 'string') forward.set(h, v);
    }
    // A plain GET fetches the whole object so the copy can be cached; a conditional or ranged miss is passed through.
    const cacheable = req.method === 'GET' && [...forward.keys()].length === 0;
    const upstream = await aws.fetch(origin.href, { method: req.method, headers: forward });
    const headers: Record<string, string> = { 'x-cache': 'Miss from cloudfront' };
    for (const h of ['content-type', 'content-length', 'content-range', 'etag', 'last-modified', 'accept-ranges']) {
      const v = upstream.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    if (upstream.status === 403 || upstream.status === 404) {
      // OAC as infra/constructs/cdn.ts grants it (s3:GetObject, no s3:ListBucket): S3 answers
      // 403 AccessDenied for a missing key, and CloudFront passes that on.
      await upstream.body?.cancel();
      res.writeHead(403, { 'content-type': 'application/xml', 'x-cache': 'Error from cloudfront' });
      res.end(req.method === 'HEAD' ? undefined : xmlError('AccessDenied', 'Access Denied'));
      return;
    }
    res.writeHead(upstream.status, headers);
    if (!upstream.body || req.method === 'HEAD') {
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = cacheable && upstream.status === 200 && Number(upstream.headers.get('content-length') ?? Infinity) <= capacity / 4;
    const reader = upstream.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = Buffer.from(value);
      if (keep) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', () => r()));
      if (res.destroyed) return;
    }
    res.end();
    if (keep) {
      remember(objectPath, {
        body: Buffer.concat(chunks, size),
        contentType: upstream.headers.get('content-type') ?? 'application/octet-stream',
        etag: upstream.headers.get('etag'),
        lastModified: upstream.headers.get('last-modified'),
      });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/xml', 'x-cache': 'Error from cloudfront' });
      res.end(xmlError('BadGateway', String(err)));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    clear() {
      cache.clear();
      cachedBytes = 0;
    },
    failNext(n, status, path) {
      failures = { left: n, status, path };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
