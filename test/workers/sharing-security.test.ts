/**
 * Share links under attack: the password gate covers metadata and media
 * until unlocked (cookie or header), unlock attempts are limited per client
 * and per link, and expired, revoked or forged links are refused on every
 * path: /api/share/:token, /s/:token/..., and unlock.
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../edge/auth/password.ts';
import { auditLog, rateCounters } from '../../shared/db/schema.ts';
import { signMediaToken, signShareToken, signShareUnlockToken, passwordVersion } from '../../shared/tokens/index.ts';
import { uniqueIp } from './support/auth.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';
import { api, errorCode, expectJson, ORIGIN, seedLink } from './support/sharing-api.ts';

const PASSWORD = 'correct horse battery';
let owner: string;
let asset: string;
let passwordHash: string;

const get = (path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`${ORIGIN}${path}`, { headers: { 'cf-connecting-ip': uniqueIp(), ...headers } });
const unlock = (token: string, password: string, ip = uniqueIp()) => api('POST', `/api/share/${token}/unlock`, { json: { password }, ip });

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'guarded');
    asset = await createAsset(db, owner, { filename: 'secret.jpg' });
  });
  await putVariant(asset, 'w320.webp', 'thumb', 'image/webp');
  passwordHash = await hashPassword(PASSWORD);
});

const protectedLink = (fields: Partial<Parameters<typeof seedLink>[0]> = {}, tokenExpiry?: Date) =>
  seedLink({ resourceId: asset, createdBy: owner, passwordHash, ...fields }, tokenExpiry);

describe('a password-protected link', () => {
  it('refuses metadata and thumbnails without the password, saying a password is needed', async () => {
    const { token } = await protectedLink();
    const meta = await api('GET', `/api/share/${token}`);
    expect(meta.status).toBe(401);
    const body = await expectJson(meta, 401);
    expect(body.error.code).toBe('password_required');
    expect(body.error.details).toMatchObject({ needsPassword: true, resourceType: 'asset' });
    expect(JSON.stringify(body)).not.toMatch(/secret\.jpg|scrypt/);
    const thumb = await get(`/s/${token}/w320.webp`);
    expect(thumb.status).toBe(401);
    expect(await errorCode(thumb)).toBe('password_required');
  });

  it('unlocks with the password: a __Host- cookie and a token, each accepted by /api/share and /s', async () => {
    const { id, token } = await protectedLink();
    const res = await unlock(token, PASSWORD);
    const body = await expectJson(res, 200);
    expect(body).toEqual({ unlockToken: expect.any(String), expiresAt: expect.any(String) });
    const cookie = res.headers.get('set-cookie')!;
    const [pair, ...attrs] = cookie.split(';').map((s) => s.trim());
    expect(pair).toBe(`__Host-share-${id}=${body.unlockToken}`);
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']));
    const maxAge = Number(attrs.find((a) => a.startsWith('Max-Age='))!.split('=')[1]);
    expect(maxAge).toBeGreaterThan(3500); // the link lives an hour; the unlock no longer than that
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(Math.abs(Date.parse(body.expiresAt) - (Date.now() + maxAge * 1000))).toBeLessThan(5000);
    expect(attrs.some((a) => /^domain=/i.test(a))).toBe(false);
    expect(res.headers.get('cache-control')).toBe('private, no-store');

    const byCookie = { cookie: pair! };
    const byHeader = { 'x-share-unlock': body.unlockToken };
    for (const headers of [byCookie, byHeader]) {
      const info = await expectJson(await api('GET', `/api/share/${token}`, { headers }), 200);
      expect(info.link.needsPassword).toBe(true);
      expect(info.asset.filename).toBe('secret.jpg');
      expect((await get(`/s/${token}/w320.webp`, headers)).status).toBe(200);
    }
  });

  it('refuses a wrong password with one generic 401, sets no cookie, and audits it', async () => {
    const { id, token } = await protectedLink();
    const res = await unlock(token, 'not the password');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = await expectJson(res, 401);
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.details).toBeUndefined();
    const rows = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, asset), eq(auditLog.action, 'share.unlock_failed'))),
    );
    expect(rows.some((r) => r.detail.linkId === id)).toBe(true);
  });

  it("does not accept another link's unlock, nor one from before a password change", async () => {
    const a = await protectedLink();
    const b = await protectedLink();
    const { unlockToken } = await expectJson(await unlock(a.token, PASSWORD), 200);
    expect((await api('GET', `/api/share/${b.token}`, { headers: { 'x-share-unlock': unlockToken } })).status).toBe(401);
    expect((await get(`/s/${b.token}/w320.webp`, { cookie: `__Host-share-${b.id}=${unlockToken}` })).status).toBe(401);
    const edited = await expectJson(
      await api('PATCH', `/api/share-links/${a.id}`, { as: owner, json: { password: 'a brand new password' } }),
      200,
    );
    expect(edited.hasPassword).toBe(true);
    expect((await api('GET', `/api/share/${a.token}`, { headers: { 'x-share-unlock': unlockToken } })).status).toBe(401);
    expect((await get(`/s/${a.token}/w320.webp`, { 'x-share-unlock': unlockToken })).status).toBe(401);
  });

  it('never unlocks for longer than the link lives', async () => {
    const { token } = await protectedLink({ expiresAt: new Date(Date.now() + 120_000) });
    const res = await unlock(token, PASSWORD);
    await expectJson(res, 200);
    expect(Number(/Max-Age=(\d+)/.exec(res.headers.get('set-cookie')!)![1])).toBeLessThanOrEqual(120);
  });

  it('answers 409 to an unlock of a link without a password', async () => {
    const { token } = await seedLink({ resourceId: asset, createdBy: owner });
    expect((await unlock(token, 'anything')).status).toBe(409);
  });
});

describe('unlock attempt limits', () => {
  it('count failures per client and per link, and a success clears the link', async () => {
    const { id, token } = await protectedLink();
    const ip = uniqueIp();
    expect((await unlock(token, 'wrong one', ip)).status).toBe(401);
    const counters = async () =>
      Object.fromEntries(
        (await withDb((db) => db.select().from(rateCounters)))
          .filter((r) => r.key.endsWith(id) || r.key.endsWith(ip))
          .map((r) => [r.key, r.count]),
      );
    expect(await counters()).toEqual({ [`share-unlock:ip:${ip}`]: 1, [`share-unlock:link:${id}`]: 1 });
    await expectJson(await unlock(token, PASSWORD, ip), 200);
    expect(await counters()).toEqual({ [`share-unlock:ip:${ip}`]: 1 });
  });

  it('refuse a client over its limit with 429 and Retry-After, before any hashing, even with the right password', async () => {
    const { token } = await protectedLink();
    const ip = uniqueIp();
    await withDb((db) => db.insert(rateCounters).values({ key: `share-unlock:ip:${ip}`, windowStart: new Date(), count: 10 }));
    const res = await unlock(token, PASSWORD, ip);
    expect(res.status).toBe(429);
    expect(await errorCode(res)).toBe('rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await unlock(token, PASSWORD)).status).toBe(200); // other clients are not affected
  });

  it('refuse a link guessed at from many clients with 429', async () => {
    const { id, token } = await protectedLink();
    await withDb((db) => db.insert(rateCounters).values({ key: `share-unlock:link:${id}`, windowStart: new Date(), count: 20 }));
    const res = await unlock(token, PASSWORD);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('really stop a client after 10 wrong passwords', async () => {
    const { token } = await protectedLink();
    const ip = uniqueIp();
    // Eight failures already counted (each real one costs a slow hash), then the last two.
    await withDb((db) => db.insert(rateCounters).values({ key: `share-unlock:ip:${ip}`, windowStart: new Date(), count: 8 }));
    for (let i = 0; i < 2; i++) expect((await unlock(token, `guess ${i}`, ip)).status).toBe(401);
    expect((await unlock(token, PASSWORD, ip)).status).toBe(429);
  });
});

describe('expired, revoked and forged links', () => {
  async function cases() {
    const past = new Date(Date.now() - 3_600_000);
    return {
      revoked: await protectedLink({ revokedAt: new Date() }),
      // The row's expiry was moved to the past; the token still looks valid.
      shortened: await protectedLink({ expiresAt: new Date(Date.now() - 1000) }, new Date(Date.now() + 3_600_000)),
      // The token itself has expired (signed an hour before its expiry, two hours ago).
      expiredToken: await (async () => {
        const link = await protectedLink({ expiresAt: past }, new Date(Date.now() + 60_000));
        const token = await signShareToken(await keys(), {
          ...party,
          linkId: link.id,
          resource: { type: 'asset', id: asset },
          permission: 'view',
          expiresAt: past,
          now: new Date(past.getTime() - 3_600_000),
        });
        return { ...link, token };
      })(),
    };
  }

  it('are refused by /api/share/:token and unlock with 410 gone, before any password check', async () => {
    for (const [name, link] of Object.entries(await cases())) {
      const meta = await api('GET', `/api/share/${link.token}`);
      expect(meta.status, name).toBe(410);
      expect(await errorCode(meta), name).toBe('gone');
      const res = await unlock(link.token, PASSWORD);
      expect(res.status, name).toBe(410);
      expect(res.headers.get('set-cookie'), name).toBeNull();
    }
  });

  it('are refused by /s/:token/... with 410 (from the row, or a genuine token past its own expiry)', async () => {
    const { revoked, shortened, expiredToken } = await cases();
    // Even with a valid unlock for the link.
    for (const [link, status] of [
      [revoked, 410],
      [shortened, 410],
      [expiredToken, 410],
    ] as const) {
      const { token: u } = await signShareUnlockToken(await keys(), {
        ...party,
        linkId: link.id,
        passwordVersion: await passwordVersion(passwordHash),
      });
      expect((await get(`/s/${link.token}/w320.webp`, { 'x-share-unlock': u })).status).toBe(status);
    }
  });

  it('refuse tokens that are not share tokens, or not genuine, with one generic 401', async () => {
    const { token } = await protectedLink();
    const media = await signMediaToken(await keys(), { ...party, assetId: asset });
    const access = (await bearer(owner)).authorization!.slice('Bearer '.length);
    const { token: unlockToken } = await signShareUnlockToken(await keys(), {
      ...party,
      linkId: crypto.randomUUID(),
      passwordVersion: 'abcdefghijkl',
    });
    for (const bad of [media, access, unlockToken, 'garbage', `${token}x`, token.replace(/\.[^.]+$/, '.AAAA')]) {
      for (const res of [await api('GET', `/api/share/${bad}`), await unlock(bad, PASSWORD)]) {
        expect(res.status, bad).toBe(401);
        const body = await expectJson(res, 401);
        expect(body.error).toMatchObject({ code: 'unauthorized', message: 'The share link is not valid.' });
      }
    }
  });

  it('are never opened by a Bearer token standing in for the link', async () => {
    const res = await api('GET', `/api/share/not-a-token`, { as: owner });
    expect(res.status).toBe(401);
  });
});

describe('holder answers', () => {
  it('are private, uncached, and send no referrer', async () => {
    const { token } = await seedLink({ resourceId: asset, createdBy: owner });
    const res = await api('GET', `/api/share/${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
