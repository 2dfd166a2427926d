/**
 * The client's address as rate limits and audit rows see it. Cloudflare sets
 * `CF-Connecting-IP` on every request it forwards (and overwrites a client's
 * own); it is absent only when the Worker is called directly (wrangler dev,
 * tests), where every caller shares one constant key.
 *
 * IPv6 clients are limited per /64: one subscriber usually holds a whole /64,
 * so limiting single IPv6 addresses would not limit anyone.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';

/** The key every request without `CF-Connecting-IP` shares (local runs only). */
export const UNKNOWN_CLIENT = 'unknown';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4(s: string): boolean {
  const m = IPV4.exec(s);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/** The eight hextets of an IPv6 address, or null when it is not one. */
function ipv6Hextets(s: string): number[] | null {
  let text = s.toLowerCase();
  // A trailing dotted quad (`::ffff:1.2.3.4`) is two hextets written as IPv4.
  const v4 = /(?<=:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    if (!isIpv4(v4[1]!)) return null;
    const o = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const split = (p: string) => (p === '' ? [] : p.split(':'));
  const head = split(halves[0]!);
  const tail = halves.length === 2 ? split(halves[1]!) : [];
  if (![...head, ...tail].every((h) => /^[0-9a-f]{1,4}$/.test(h))) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array<string>(missing).fill('0'), ...tail].map((h) => parseInt(h, 16));
}

/**
 * The rate-limit key of an address: the IPv4 address itself, the /64 prefix
 * of an IPv6 address (an IPv4-mapped one counts as IPv4), or
 * {@link UNKNOWN_CLIENT} for anything unparseable.
 */
export function clientKeyOf(address: string | undefined): string {
  if (!address) return UNKNOWN_CLIENT;
  const a = address.trim();
  if (isIpv4(a)) return a;
  const h = ipv6Hextets(a);
  if (!h) return UNKNOWN_CLIENT;
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return [h[6]! >> 8, h[6]! & 255, h[7]! >> 8, h[7]! & 255].join('.');
  }
  return `${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** The client's address as sent by Cloudflare (for audit rows), or null. */
export function clientAddress(c: Context<AppEnv>): string | null {
  const a = c.req.header('cf-connecting-ip')?.trim();
  return a && a.length <= 64 ? a : null;
}

/** The rate-limit key of the calling client. */
export function clientKey(c: Context<AppEnv>): string {
  return clientKeyOf(c.req.header('cf-connecting-ip'));
}
