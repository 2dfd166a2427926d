import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  KeySet,
  passwordVersion,
  signShareToken,
  signShareUnlockToken,
  type TokenError,
  verifyShareToken,
  verifyShareUnlockToken,
} from '../../../shared/tokens/index.ts';

const party = { issuer: 'https://media.test', audience: 'media-platform' };
const linkId = '0b7c6f1e-8d1a-4c7e-9a53-2f1f6f0f3b9a';
const otherLink = '1b7c6f1e-8d1a-4c7e-9a53-2f1f6f0f3b9a';
const now = new Date('2026-11-25T12:00:00Z');

describe('share unlock tokens', async () => {
  const keys = await KeySet.fromJwks(await generateSigningKey({ kid: 'k1' }));
  const pv = await passwordVersion('scrypt$...$hash-a');

  it('verify for the same link and password version only', async () => {
    const { token, expiresAt } = await signShareUnlockToken(keys, { ...party, linkId, passwordVersion: pv, now });
    expect(expiresAt.getTime() - now.getTime()).toBe(12 * 3600 * 1000);
    await expect(verifyShareUnlockToken(keys, token, { ...party, linkId, passwordVersion: pv, now })).resolves.toBeUndefined();
    const wrongLink = await verifyShareUnlockToken(keys, token, { ...party, linkId: otherLink, passwordVersion: pv, now }).catch(
      (e: unknown) => e,
    );
    expect((wrongLink as TokenError).code).toBe('token_scope_mismatch');
    const newPassword = await passwordVersion('scrypt$...$hash-b');
    expect(newPassword).not.toBe(pv);
    const stale = await verifyShareUnlockToken(keys, token, { ...party, linkId, passwordVersion: newPassword, now }).catch(
      (e: unknown) => e,
    );
    expect((stale as TokenError).code).toBe('token_scope_mismatch');
  });

  it('expire, and are never taken for a share token (or the reverse)', async () => {
    const { token } = await signShareUnlockToken(keys, { ...party, linkId, passwordVersion: pv, now, ttlSeconds: 60 });
    const later = new Date(now.getTime() + 120_000);
    expect(
      ((await verifyShareUnlockToken(keys, token, { ...party, linkId, passwordVersion: pv, now: later }).catch((e) => e)) as TokenError)
        .code,
    ).toBe('token_expired');
    expect(((await verifyShareToken(keys, token, { ...party, now }).catch((e) => e)) as TokenError).code).toBe('token_wrong_type');
    const share = await signShareToken(keys, {
      ...party,
      linkId,
      resource: { type: 'asset', id: linkId },
      permission: 'view',
      expiresAt: later,
      now,
    });
    expect(
      ((await verifyShareUnlockToken(keys, share, { ...party, linkId, passwordVersion: pv, now }).catch((e) => e)) as TokenError).code,
    ).toBe('token_wrong_type');
    await expect(signShareUnlockToken(keys, { ...party, linkId, passwordVersion: pv, ttlSeconds: 25 * 3600 })).rejects.toThrow(TypeError);
  });
});
