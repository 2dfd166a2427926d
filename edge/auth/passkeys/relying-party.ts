/**
 * The WebAuthn relying party, derived from configuration that exists: the
 * app's public origin is AUTH_ISSUER (the deployed Worker's own origin,
 * `https://media.example.com`; locally `http://127.0.0.1:<port>`).
 *
 * - RP ID: the issuer's host name. An IP address cannot be an RP ID
 *   (browsers refuse it), so a loopback address becomes `localhost`: the
 *   local stack's passkeys work when the app is opened as
 *   `http://localhost:<port>` (a secure context without TLS).
 * - Expected origins: the issuer's origin (with the same loopback rule) and
 *   every CORS_ORIGINS entry whose host is the RP ID or below it (the Vite
 *   dev server on :5173). Any other origin is refused by the verifier.
 *
 * Parsed once per config object (per isolate).
 */
import type { EdgeConfig } from '../../../shared/config.ts';

export interface RelyingParty {
  rpId: string;
  rpName: string;
  origins: string[];
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]']);
const cache = new WeakMap<EdgeConfig, RelyingParty | null>();

function localName(url: URL): URL {
  if (!LOOPBACK.has(url.hostname)) return url;
  const copy = new URL(url.origin);
  copy.hostname = 'localhost';
  return copy;
}

const parse = (raw: string): URL | null => {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
};

function derive(config: EdgeConfig): RelyingParty | null {
  const issuer = parse(config.AUTH_ISSUER);
  if (!issuer || (issuer.protocol !== 'https:' && issuer.protocol !== 'http:')) return null;
  const self = localName(issuer);
  const rpId = self.hostname;
  if (/^[0-9.]+$/.test(rpId) || rpId.startsWith('[')) return null;
  const within = (u: URL) => u.hostname === rpId || u.hostname.endsWith(`.${rpId}`);
  const origins = new Set([self.origin]);
  for (const raw of config.CORS_ORIGINS) {
    const u = parse(raw);
    if (u && within(localName(u))) origins.add(localName(u).origin);
  }
  return { rpId, rpName: 'Media', origins: [...origins] };
}

/** The relying party of this configuration, or null when AUTH_ISSUER is not an http(s) URL with a host name. */
export function relyingParty(config: EdgeConfig): RelyingParty | null {
  if (!cache.has(config)) cache.set(config, derive(config));
  return cache.get(config) ?? null;
}
