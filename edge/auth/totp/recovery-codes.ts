/**
 * Recovery codes: ten per enrolment, shown once, stored only as SHA-256
 * (each has 50 random bits, so a fast hash suffices; they are also behind
 * the second-factor attempt limit). Spelled `xxxxx-xxxxx` in an alphabet
 * without look-alikes; typing is forgiving (case, spaces and dashes ignored).
 */
import { sha256Base64Url } from '../../../shared/crypto/sha256.ts';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz'; // 31 symbols: no 0/o, 1/l/i
const LENGTH = 10;

function randomCode(): string {
  let out = '';
  while (out.length < LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // Rejection sampling: 248 = 8 * 31, so every symbol is equally likely.
      if (byte < 248 && out.length < LENGTH) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

export const newRecoveryCodes = (): string[] => Array.from({ length: RECOVERY_CODE_COUNT }, randomCode);

/** The canonical form of a typed code, or null when it cannot be one. */
export function normalizeRecoveryCode(typed: string): string | null {
  const bare = typed.toLowerCase().replace(/[\s-]/g, '');
  if (bare.length !== LENGTH || ![...bare].every((ch) => ALPHABET.includes(ch))) return null;
  return bare;
}

/** What is stored for a code (given in either spelling). */
export async function recoveryCodeHash(code: string): Promise<string> {
  const bare = normalizeRecoveryCode(code);
  if (bare === null) throw new TypeError('not a recovery code');
  return sha256Base64Url(`recovery:${bare}`);
}
