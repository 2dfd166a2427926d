/**
 * Where a webhook may be sent (SSRF). Pure: no DNS here. The edge checks the
 * URL at registration (it has no resolver: IP literals and local names are
 * refused there); the origin's dispatcher checks again before every attempt,
 * resolving the name and connecting to the very address it checked
 * (origin/webhooks/send.ts), so a DNS answer that changes cannot slip past.
 *
 * Refused: every address that is not global unicast: loopback, RFC 1918,
 * unique local (fc00::/7), link-local (169.254/16 with the cloud metadata
 * address, fe80::/10), CGNAT (100.64/10), unspecified, multicast, broadcast,
 * documentation, benchmarking and reserved ranges, and IPv6 forms that embed
 * an IPv4 address (IPv4-mapped, NAT64, 6to4, IPv4-compatible) are judged by
 * the embedded address. Hostnames are parsed by WHATWG URL, which already
 * turns decimal, octal and hex IPv4 forms (`http://2130706433/`,
 * `0177.0.0.1`) into dotted quads.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

/** The 4 bytes of a dotted-quad IPv4 address, or null. */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** The 16 bytes of an IPv6 address (no brackets, no zone), or null. */
export function parseIPv6(s: string): number[] | null {
  if (s.includes('%')) return null;
  let tail: number[] = [];
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const group = (g: string) => (g === '' ? [] : g.split(':'));
  const words = (gs: string[]) => {
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = words(group(halves[0]!));
  const right = halves.length === 2 ? words(group(halves[1]!)) : [];
  if (!left || !right) return null;
  const given = left.length + right.length + tail.length;
  let all: number[];
  if (halves.length === 2) {
    if (given > 7) return null;
    all = [...left, ...new Array<number>(8 - given).fill(0), ...right, ...tail];
  } else {
    if (given !== 8) return null;
    all = [...left, ...tail];
  }
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

const inV4 = (b: number[], net: [number, number, number, number], bits: number): boolean => {
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) return true;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((b[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
};

export function classifyIPv4(b: number[]): AddressClass {
  if (inV4(b, [0, 0, 0, 0], 8)) return b.every((x) => x === 0) ? 'unspecified' : 'reserved';
  if (inV4(b, [127, 0, 0, 0], 8)) return 'loopback';
  if (inV4(b, [10, 0, 0, 0], 8) || inV4(b, [172, 16, 0, 0], 12) || inV4(b, [192, 168, 0, 0], 16)) return 'private';
  if (inV4(b, [169, 254, 0, 0], 16)) return 'link_local';
  if (inV4(b, [100, 64, 0, 0], 10)) return 'cgnat';
  if (inV4(b, [224, 0, 0, 0], 4)) return 'multicast';
  if (
    inV4(b, [240, 0, 0, 0], 4) || // reserved and 255.255.255.255
    inV4(b, [192, 0, 0, 0], 24) || // IETF protocol assignments
    inV4(b, [192, 0, 2, 0], 24) ||
    inV4(b, [198, 51, 100, 0], 24) ||
    inV4(b, [203, 0, 113, 0], 24) || // documentation
    inV4(b, [198, 18, 0, 0], 15) || // benchmarking
    inV4(b, [192, 88, 99, 0], 24) // 6to4 relay anycast
  )
    return 'reserved';
  return 'public';
}

const startsWith = (b: number[], prefix: number[], bits: number): boolean => {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((b[i]! & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
};

export function classifyIPv6(b: number[]): AddressClass {
  const zeros = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (b.every((x) => x === 0)) return 'unspecified';
  if (zeros(15) && b[15] === 1) return 'loopback';
  // IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96: the embedded IPv4 address decides.
  if (zeros(10) && b[10] === 0xff && b[11] === 0xff) return classifyIPv4(b.slice(12));
  if (zeros(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return classifyIPv4(b.slice(12));
  // NAT64 64:ff9b::/96 (and the local-use 64:ff9b:1::/48): the embedded address decides; local-use is never public.
  if (startsWith(b, [0, 0x64, 0xff, 0x9b], 32) && b.slice(4, 12).every((x) => x === 0)) return classifyIPv4(b.slice(12));
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 1], 48)) return 'reserved';
  // IPv4-compatible ::a.b.c.d (deprecated) and the rest of ::/8.
  if (zeros(1)) return 'reserved';
  // 6to4 2002::/16 embeds an IPv4 address in bits 16-47.
  if (startsWith(b, [0x20, 0x02], 16)) {
    const inner = classifyIPv4(b.slice(2, 6));
    return inner === 'public' ? 'public' : inner;
  }
  if (startsWith(b, [0xfc], 7)) return 'private';
  if (startsWith(b, [0xfe, 0x80], 10)) return 'link_local';
  if (startsWith(b, [0xfe, 0xc0], 10)) return 'private'; // site-local (deprecated)
  if (startsWith(b, [0xff], 8)) return 'multicast';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved'; // documentation
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return 'reserved'; // discard-only
  if (startsWith(b, [0x20, 0x01, 0, 0], 32)) return 'reserved'; // Teredo (embeds an obfuscated IPv4)
  if (startsWith(b, [0x20, 0x01, 0, 0x10], 28) || startsWith(b, [0x20, 0x01, 0, 0x20], 28)) return 'reserved'; // ORCHID
  // Global unicast is 2000::/3; everything else is unassigned.
  return startsWith(b, [0x20], 3) ? 'public' : 'reserved';
}

/** The class of an IP address literal (IPv4 dotted quad or IPv6, brackets allowed); 'invalid' for anything else. */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIPv4(bare);
  if (v4) return classifyIPv4(v4);
  const v6 = bare.includes(':') ? parseIPv6(bare) : null;
  return v6 ? classifyIPv6(v6) : 'invalid';
}

export interface UrlPolicy {
  /** Local stack and tests only: also allow http:// and https:// to 127.0.0.1 (config WEBHOOK_ALLOW_LOOPBACK_HTTP). */
  allowLoopback: boolean;
}

/** Whether `address` (a resolved or literal IP) may receive a delivery under `policy`. */
export function addressAllowed(address: string, policy: UrlPolicy): boolean {
  const cls = classifyAddress(address);
  return cls === 'public' || (policy.allowLoopback && parseIPv4(address)?.[0] === 127 && cls === 'loopback');
}

export type UrlRefusal = 'invalid_url' | 'scheme' | 'credentials' | 'address' | 'local_name';

export type UrlCheck = { ok: true; url: URL; literal: boolean } | { ok: false; reason: UrlRefusal; message: string };

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet', '.corp'];

/** Checks a webhook URL without DNS: scheme, credentials, IP literals, names that are local by definition. */
export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid_url', message: 'Not a valid URL.' };
  }
  const host = url.hostname.toLowerCase();
  const literal = classifyAddress(host) !== 'invalid';
  const loopbackOk = policy.allowLoopback && host === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackOk))
    return { ok: false, reason: 'scheme', message: 'The URL must use https.' };
  if (url.username || url.password) return { ok: false, reason: 'credentials', message: 'The URL must not carry a user name or password.' };
  if (literal) {
    if (!addressAllowed(host.replace(/^\[|\]$/g, ''), policy))
      return { ok: false, reason: 'address', message: 'The URL names a private, loopback, link-local or reserved address.' };
    return { ok: true, url, literal };
  }
  if (host === 'localhost' || !host.includes('.') || LOCAL_SUFFIXES.some((s) => host.endsWith(s)) || host.endsWith('.'))
    return { ok: false, reason: 'local_name', message: 'The URL names a local host.' };
  return { ok: true, url, literal };
}
