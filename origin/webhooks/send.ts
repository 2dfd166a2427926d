/**
 * One webhook POST, SSRF-safe: the host is resolved here, every address it
 * resolves to must be allowed (shared/webhooks/address-policy.ts), and the
 * socket connects to the address that was checked (the request's `lookup`
 * answers with it), so a DNS answer that changes between check and connect
 * (rebinding) cannot reach a private address. Redirects are not followed
 * (a 3xx is a failed attempt), the whole exchange has a deadline, and at
 * most a few KiB of the answer are read.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed, checkWebhookUrl, parseIPv4, type UrlPolicy } from '../../shared/webhooks/address-policy.ts';

export type SendResult = { status: number } | { error: string };

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface SendOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  policy: UrlPolicy;
  timeoutMs: number;
  resolve?: Resolver;
}

const ANSWER_BYTES = 4096;

/** The address to connect to, or why none may be used. */
export async function pickAddress(
  url: string,
  policy: UrlPolicy,
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: 4 | 6; url: URL } | { error: string }> {
  const check = checkWebhookUrl(url, policy);
  if (!check.ok) return { error: `refused: ${check.message}` };
  const host = check.url.hostname.replace(/^\[|\]$/g, '');
  if (check.literal) return { address: host, family: parseIPv4(host) ? 4 : 6, url: check.url };
  let found: { address: string; family: number }[];
  try {
    found = await resolve(host);
  } catch (err) {
    return { error: `dns: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (found.length === 0) return { error: 'dns: no address' };
  // Every answer must be allowed: otherwise a name with one public and one private address could be steered.
  const refused = found.find((a) => !addressAllowed(a.address, policy));
  if (refused) return { error: `refused: ${host} resolves to a private, loopback, link-local or reserved address` };
  const first = found[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4, url: check.url };
}

export async function sendWebhook(o: SendOptions): Promise<SendResult> {
  const target = await pickAddress(o.url, o.policy, o.resolve);
  if ('error' in target) return target;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
        // Certificates are checked against the URL's host name, not the pinned address.
        servername: target.url.hostname,
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > ANSWER_BYTES) res.destroy();
        });
        res.on('close', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', () => done({ status: res.statusCode ?? 0 }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      done({ error: `timeout after ${o.timeoutMs} ms` });
    }, o.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(o.body);
  });
}
