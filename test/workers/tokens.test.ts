/**
 * The token formats inside workerd: the same Ed25519 (and ES256) WebCrypto
 * code the unit suite runs in Node must sign and verify in the edge runtime.
 */
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  KeySet,
  signAccessToken,
  signMediaToken,
  TokenError,
  verifyAccessToken,
  verifyMediaToken,
} from '../../shared/tokens/index.ts';

const party = { issuer: 'https://media.test', audience: 'media-platform' };
const assetId = '0b7c6f1e-8d1a-4c7e-9a53-2f1f6f0f3b9a';

describe.each(['EdDSA', 'ES256'] as const)('tokens in workerd with %s', (alg) => {
  it('signs and verifies a media token and refuses it out of scope', async () => {
    const keys = await KeySet.fromJwks(await generateSigningKey({ alg, kid: 'k1' }));
    const t = await signMediaToken(keys, { ...party, assetId, scope: 'hls/' });
    const claims = await verifyMediaToken(keys, t, { ...party, assetId, variant: 'hls/720p/seg_001.ts' });
    expect(claims.assetId).toBe(assetId);
    const err = await verifyMediaToken(keys, t, { ...party, assetId, variant: 'original' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect((err as TokenError).code).toBe('token_scope_mismatch');
  });

  it('verifies a token from the previous key during rotation, and not a media token as a session', async () => {
    const oldKey = await generateSigningKey({ alg, kid: 'old' });
    const before = await KeySet.fromJwks(oldKey);
    const { token } = await signAccessToken(before, { ...party, sub: 'user-1' });
    const after = await KeySet.fromJwks(await generateSigningKey({ alg, kid: 'new' }), [oldKey]);
    expect((await verifyAccessToken(after, token, party)).sub).toBe('user-1');
    expect(
      after
        .publicJwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual(['new', 'old']);
    const media = await signMediaToken(after, { ...party, assetId });
    await expect(verifyAccessToken(after, media, party)).rejects.toMatchObject({ code: 'token_wrong_type' });
  });
});
