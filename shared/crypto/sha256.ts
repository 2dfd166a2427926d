/**
 * SHA-256 of text, for values stored or compared in place of a secret or a
 * personal datum (refresh tokens, rate-limit keys, emails in audit rows,
 * password versions). Base64url is jose's (`base64url` from 'jose'), the
 * one codec of the code base.
 */
import { base64url } from 'jose';

/** SHA-256 of the UTF-8 bytes of `text`. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** SHA-256 of a UTF-8 string, unpadded base64url. */
export async function sha256Base64Url(text: string): Promise<string> {
  return base64url.encode(await sha256(text));
}
