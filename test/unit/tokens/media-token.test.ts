import { beforeAll, describe, expect, it } from 'vitest';
import { signMediaToken, variantInScope, verifyMediaToken } from '../../../shared/tokens/media-token.ts';
import { ASSET, AUDIENCE, type Fixtures, ISSUER, makeFixtures, NOW, NOW_S, OTHER_ASSET, parts, rejectsWith, signRaw } from './fixtures.ts';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});

const party = { issuer: ISSUER, audience: AUDIENCE };
const sign = (extra: { scope?: string; permission?: 'view' | 'download'; ttlSeconds?: number } = {}) =>
  signMediaToken(f.keys, { assetId: ASSET, ...party, now: NOW, ...extra });
const verify = (token: string, variant: string, extra: { assetId?: string; permission?: 'view' | 'download' } = {}) =>
  verifyMediaToken(f.keys, token, { assetId: ASSET, variant, ...party, now: NOW, ...extra });

describe('media tokens', () => {
  it('is compact: short claims, 5 minute default lifetime', async () => {
    const token = await sign({ scope: 'hls/' });
    const [header, payload] = parts(token);
    expect(header).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'media+jwt' });
    expect(payload).toEqual({ iss: ISSUER, aud: AUDIENCE, iat: NOW_S, exp: NOW_S + 300, a: ASSET, v: 'hls/', p: 'view' });
    expect(token.length).toBeLessThan(360);
    await expect(verify(token, 'hls/720p/seg_001.ts')).resolves.toEqual({
      assetId: ASSET,
      scope: 'hls/',
      permission: 'view',
      issuedAt: NOW,
      expiresAt: new Date(NOW.getTime() + 300_000),
    });
  });

  it('refuses lifetimes over 1 hour at signing, and genuinely signed ones at verifying', async () => {
    await expect(sign({ ttlSeconds: 3600 })).resolves.toBeTypeOf('string');
    await expect(sign({ ttlSeconds: 3601 })).rejects.toThrow(TypeError);
    const [header, payload] = parts(await sign());
    const long = await signRaw(f.k1, header, { ...payload, exp: NOW_S + 7200 });
    await rejectsWith(verify(long, 'original'), 'token_malformed');
  });

  it('refuses a token for another asset', async () => {
    await rejectsWith(verify(await sign(), 'original', { assetId: OTHER_ASSET }), 'token_scope_mismatch');
  });

  it.each(['hls/master.m3u8', 'hls/720p/seg_001.ts', 'hls/a/b/c.ts'])('a hls/ token covers %s', async (variant) => {
    await expect(verify(await sign({ scope: 'hls/' }), variant)).resolves.toBeTruthy();
  });

  it.each([
    'hls2/x.ts',
    'hls/../original',
    'original',
    'hls',
    '/hls/x.ts',
    'hls//x.ts',
    'HLS/x.ts',
    'hls/./x.ts',
    'hls/%2e%2e/original',
    'hls\\x.ts',
    './hls/x.ts',
    'hls/x.ts/..',
    '',
  ])('a hls/ token does not cover %j', async (variant) => {
    await rejectsWith(verify(await sign({ scope: 'hls/' }), variant), 'token_scope_mismatch');
  });

  it('an exact scope covers exactly that variant; no scope covers every variant', async () => {
    const one = await sign({ scope: 'w640.webp' });
    await expect(verify(one, 'w640.webp')).resolves.toBeTruthy();
    await rejectsWith(verify(one, 'w640.webpx'), 'token_scope_mismatch');
    await rejectsWith(verify(one, 'w640.webp/x'), 'token_scope_mismatch');
    const all = await sign();
    await expect(verify(all, 'original')).resolves.toMatchObject({ scope: null });
    await expect(verify(all, 'hls/720p/seg_001.ts')).resolves.toBeTruthy();
    await rejectsWith(verify(all, '../other/original'), 'token_scope_mismatch');
  });

  it('a view token is refused where download is required; download implies view', async () => {
    await rejectsWith(verify(await sign(), 'original', { permission: 'download' }), 'token_scope_mismatch');
    const dl = await sign({ permission: 'download' });
    await expect(verify(dl, 'original', { permission: 'download' })).resolves.toMatchObject({ permission: 'download' });
    await expect(verify(dl, 'original')).resolves.toBeTruthy();
  });

  it.each(['../', 'hls/../', '/hls/', 'hls//', '', 'HLS/', 'a b/'])('refuses to sign the scope %j', async (scope) => {
    await expect(sign({ scope })).rejects.toThrow(TypeError);
  });

  it('refuses to sign for a non-uuid asset id', async () => {
    await expect(signMediaToken(f.keys, { assetId: '../etc', ...party, now: NOW })).rejects.toThrow(TypeError);
  });

  it('variantInScope matches prefixes on segment boundaries only', () => {
    expect(variantInScope('hls/x.ts', 'hls/')).toBe(true);
    expect(variantInScope('hls2/x.ts', 'hls/')).toBe(false);
    expect(variantInScope('hls/../x', null)).toBe(false);
  });
});
