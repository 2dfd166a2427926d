/**
 * Endpoint signing secrets at rest. The dispatcher must sign with the secret,
 * so it cannot be hashed; it is sealed with AES-256-GCM
 * (`v1.<iv>.<ciphertext+tag>`, base64url, a fresh 96-bit IV per seal) and the
 * endpoint id as additional data, so a sealed value copied to another
 * endpoint's row does not open. The key is derived with HKDF-SHA-256 from
 * WEBHOOK_SECRET_KEY, which both halves hold (the edge seals on create and
 * rotate, the origin opens to sign). WebCrypto only: runs in Workers and Node.
 *
 * Without WEBHOOK_SECRET_KEY, local and test runs use a fixed, publicly known
 * key (fine for throwaway data); production refuses to seal or open.
 */
import { base64url } from 'jose';

export const LOCAL_WEBHOOK_KEY = 'media-platform local webhook key: not a secret, never used in production';
const VERSION = 'v1';
const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const keys = new Map<string, Promise<CryptoKey>>();

export class WebhookKeyMissingError extends Error {
  readonly code = 'ERR_WEBHOOK_KEY_MISSING';
  constructor() {
    super('WEBHOOK_SECRET_KEY is not set (required in production)');
  }
}

/** The configured key material, or the local one outside production. @throws WebhookKeyMissingError */
export function webhookKeyMaterial(config: { APP_ENV: string; WEBHOOK_SECRET_KEY?: string | undefined }): string {
  if (config.WEBHOOK_SECRET_KEY) return config.WEBHOOK_SECRET_KEY;
  if (config.APP_ENV === 'production') throw new WebhookKeyMissingError();
  return LOCAL_WEBHOOK_KEY;
}

function boxKey(material: string): Promise<CryptoKey> {
  let key = keys.get(material);
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(material), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new TextEncoder().encode('media-platform webhook secret box v1') },
        ikm,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      );
    })();
    keys.set(material, key);
  }
  return key;
}

/** Seals a `whsec_…` secret for `endpointId`. */
export async function sealWebhookSecret(material: string, endpointId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(endpointId) },
    await boxKey(material),
    new TextEncoder().encode(secret),
  );
  return `${VERSION}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(sealed))}`;
}

/** Opens a sealed secret of `endpointId`. @throws Error when it was not sealed for this endpoint with this key. */
export async function openWebhookSecret(material: string, endpointId: string, sealed: string): Promise<string> {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) throw new Error('unknown sealed secret format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes(base64url.decode(iv)), additionalData: new TextEncoder().encode(endpointId) },
    await boxKey(material),
    bytes(base64url.decode(body)),
  );
  return new TextDecoder().decode(plain);
}

/** A new signing secret: `whsec_` + base64 of 24 random bytes (the Standard Webhooks form). */
export function newWebhookSecret(): string {
  const raw = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...raw))}`;
}
