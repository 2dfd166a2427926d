import { beforeAll, describe, expect, it } from 'vitest';
import { signShareToken, verifyShareToken } from '../../../shared/tokens/share-token.ts';
import { ASSET, AUDIENCE, type Fixtures, ISSUER, LINK, makeFixtures, NOW, NOW_S, parts, rejectsWith } from './fixtures.ts';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});

const party = { issuer: ISSUER, audience: AUDIENCE };
const week = new Date(NOW.getTime() + 7 * 86_400_000);
const input = {
  linkId: LINK,
  resource: { type: 'collection' as const, id: ASSET },
  permission: 'download' as const,
  expiresAt: week,
  ...party,
  now: NOW,
};

describe('share tokens', () => {
  it('names the link, resource, permission and expiry in short claims', async () => {
    const token = await signShareToken(f.keys, input);
    const [header, payload] = parts(token);
    expect(header).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'share+jwt' });
    expect(payload).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW_S,
      exp: NOW_S + 7 * 86_400,
      l: LINK,
      rt: 'collection',
      ri: ASSET,
      p: 'download',
    });
    await expect(verifyShareToken(f.keys, token, { ...party, now: NOW })).resolves.toEqual({
      linkId: LINK,
      resource: { type: 'collection', id: ASSET },
      permission: 'download',
      issuedAt: NOW,
      expiresAt: week,
    });
  });

  it('expires with the link', async () => {
    const token = await signShareToken(f.keys, input);
    const late = new Date(week.getTime() + 30_000);
    await rejectsWith(verifyShareToken(f.keys, token, { ...party, now: late }), 'token_expired');
  });

  it.each([
    ['a non-uuid link id', { linkId: 'link-1' }],
    ['an upper-case resource id', { resource: { type: 'asset', id: ASSET.toUpperCase() } }],
    ['an unknown resource type', { resource: { type: 'user', id: ASSET } }],
    ['an unknown permission', { permission: 'owner' }],
    ['an expiry in the past', { expiresAt: new Date(NOW.getTime() - 1000) }],
    ['an expiry equal to now', { expiresAt: NOW }],
  ])('refuses to sign %s', async (_, patch) => {
    await expect(signShareToken(f.keys, { ...input, ...patch } as typeof input)).rejects.toThrow(TypeError);
  });
});
