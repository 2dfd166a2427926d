/**
 * Rate limits: the database-backed login attempt limits (per account, per
 * client address) and the per-client request limits of the Workers Rate
 * Limiting bindings, which Miniflare runs locally.
 */
import { env } from 'cloudflare:test';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../edge/app.ts';
import type { Bindings } from '../../edge/env.ts';
import { accountKey, ACCOUNT_LIMIT, ADDRESS_LIMIT, addressKey } from '../../edge/auth/attempt-limit.ts';
import { clientKeyOf, UNKNOWN_CLIENT } from '../../edge/middleware/client-address.ts';
import { auditLog, rateCounters } from '../../shared/db/schema.ts';
import { call, errorOf, login, PASSWORD, register, sessionOf, uniqueEmail, uniqueIp } from './support/auth.ts';
import { withDb } from './support/fixtures.ts';

const bindings = env as unknown as Bindings;

const failuresAudited = (userId: string) =>
  withDb(async (db) => {
    const rows = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(eq(auditLog.actorId, userId), eq(auditLog.action, 'auth.login_failed')));
    return Number(rows[0]!.n);
  });

async function expect429(res: Response, maxRetryAfter: number) {
  expect(res.status).toBe(429);
  expect((await errorOf(res)).code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
}

describe('login attempts per account', () => {
  it(`allows ${ACCOUNT_LIMIT.max} failures, then refuses even the right password, without hashing`, async () => {
    const reg = await register('acct-limit');
    for (let i = 0; i < ACCOUNT_LIMIT.max; i++) {
      expect((await login(reg.email, `wrong password ${i}`)).status).toBe(401);
    }
    expect(await failuresAudited(reg.user.id)).toBe(ACCOUNT_LIMIT.max);

    // Limited: from a fresh address, with the right password.
    const limited = await login(reg.email, PASSWORD);
    await expect429(limited, ACCOUNT_LIMIT.windowSeconds);
    // The limited attempt never reached the password check (which audits every failure).
    expect(await failuresAudited(reg.user.id)).toBe(ACCOUNT_LIMIT.max);

    // The limit is the account's: another account from the same address is served.
    const ip = uniqueIp();
    const other = await register('acct-limit-other');
    expect((await login(other.email, PASSWORD, ip)).status).toBe(200);
  });

  it('counts an email without an account like any other (no enumeration by the limit)', async () => {
    const email = uniqueEmail('ghost');
    for (let i = 0; i < ACCOUNT_LIMIT.max; i++) expect((await login(email, 'whatever it is')).status).toBe(401);
    await expect429(await login(email, 'whatever it is'), ACCOUNT_LIMIT.windowSeconds);
  });

  it('forgets the failures after a successful login', async () => {
    const reg = await register('acct-reset');
    for (let i = 0; i < ACCOUNT_LIMIT.max - 1; i++) expect((await login(reg.email, 'wrong password!')).status).toBe(401);
    await sessionOf(await login(reg.email, PASSWORD), 200);
    const [row] = await withDb(async (db) =>
      db
        .select()
        .from(rateCounters)
        .where(eq(rateCounters.key, await accountKey(reg.email))),
    );
    expect(row).toBeUndefined();
    for (let i = 0; i < ACCOUNT_LIMIT.max; i++) expect((await login(reg.email, 'wrong password!')).status).toBe(401);
    await expect429(await login(reg.email, PASSWORD), ACCOUNT_LIMIT.windowSeconds);
  });

  it('starts a new window once the old one has passed', async () => {
    const reg = await register('acct-window');
    for (let i = 0; i <= ACCOUNT_LIMIT.max; i++) await login(reg.email, 'wrong password!');
    await expect429(await login(reg.email, PASSWORD), ACCOUNT_LIMIT.windowSeconds);
    // Move the window into the past, as time would.
    await withDb(async (db) =>
      db
        .update(rateCounters)
        .set({ windowStart: sql`now() - ${ACCOUNT_LIMIT.windowSeconds + 1} * interval '1 second'` })
        .where(eq(rateCounters.key, await accountKey(reg.email))),
    );
    await sessionOf(await login(reg.email, PASSWORD), 200);
  });
});

describe('login attempts per client address', () => {
  it(`allows ${ADDRESS_LIMIT.max} failures from one address across accounts, then refuses it`, async () => {
    const ip = uniqueIp();
    // Failures spread over several unknown accounts, so no account limit is reached.
    for (let i = 0; i < ADDRESS_LIMIT.max; i++) {
      expect((await login(uniqueEmail(`spray-${i % 4}`), 'password spraying', ip)).status).toBe(401);
    }
    const victim = await register('spray-victim');
    await expect429(await login(victim.email, PASSWORD, ip), ADDRESS_LIMIT.windowSeconds);
    expect(await failuresAudited(victim.user.id)).toBe(0);
    // The victim's account was not charged by the blocked address, and another address still works.
    const [row] = await withDb(async (db) =>
      db
        .select()
        .from(rateCounters)
        .where(eq(rateCounters.key, await accountKey(victim.email))),
    );
    expect(row).toBeUndefined();
    expect((await login(victim.email, PASSWORD, uniqueIp())).status).toBe(200);
  });

  it('gives a successful login its attempt back', async () => {
    const ip = uniqueIp();
    const reg = await register('addr-release');
    for (let i = 0; i < 3; i++) await sessionOf(await login(reg.email, PASSWORD, ip), 200);
    const [row] = await withDb((db) =>
      db
        .select()
        .from(rateCounters)
        .where(eq(rateCounters.key, addressKey(ip))),
    );
    expect(row!.count).toBe(0);
  });

  it('limits IPv6 clients per /64', () => {
    expect(clientKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKeyOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKeyOf('198.51.100.4')).toBe('198.51.100.4');
    for (const bad of [undefined, '', 'not an ip', '999.1.1.1', '1:2:3:4:5:6:7:8:9', '2001:db8::1::2']) {
      expect(clientKeyOf(bad), String(bad)).toBe(UNKNOWN_CLIENT);
    }
  });
});

describe('per-client request limits (Workers Rate Limiting binding)', () => {
  // Miniflare's binding uses fixed windows aligned to the period (60 s); 2 *
  // limit + 1 requests sent within a few seconds cross at most one boundary,
  // so at least one window sees more than `limit` of them.
  async function burst(path: string, init: { ip: string; json?: unknown }, limit: number): Promise<Response[]> {
    const app = createApp();
    const send = () =>
      app.request(
        path,
        init.json === undefined
          ? { headers: { 'cf-connecting-ip': init.ip } }
          : {
              method: 'POST',
              headers: { 'cf-connecting-ip': init.ip, 'content-type': 'application/json' },
              body: JSON.stringify(init.json),
            },
        env,
      );
    const out: Response[] = [];
    for (let sent = 0; sent < 2 * limit + 1; sent += 50) {
      out.push(...(await Promise.all(Array.from({ length: Math.min(50, 2 * limit + 1 - sent) }, send))));
    }
    return out;
  }

  it('limits /api/auth/* per client, with 429 and Retry-After, and not other clients', async () => {
    expect(bindings.AUTH_RATE_LIMITER).toBeDefined();
    const ip = uniqueIp();
    const responses = await burst('/api/auth/login', { ip, json: {} }, 30);
    const limited = responses.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(limited!.headers.get('retry-after')).toBe('60');
    expect((await errorOf(limited!)).code).toBe('rate_limited');
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([400, 429]));
    expect((await call('/api/auth/login', { ip: uniqueIp(), json: {} })).status).toBe(400);
  });

  it('limits /api/* per client', async () => {
    expect(bindings.API_RATE_LIMITER).toBeDefined();
    const ip = uniqueIp();
    const responses = await burst('/api/me', { ip }, 600);
    expect(responses.some((r) => r.status === 429)).toBe(true);
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([401, 429]));
    expect((await call('/api/me', { ip: uniqueIp() })).status).toBe(401);
  });

  it('limits the file drop companion (/s/:token/s3/*) per client in the app, before any forward to the API Worker', async () => {
    const ip = uniqueIp();
    const responses = await burst('/s/not-a-token/s3/params?filename=a.jpg&type=image%2Fjpeg', { ip }, 600);
    expect(responses.some((r) => r.status === 429)).toBe(true);
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([401, 429]));
  });

  it('the API Worker (WORKER_ROLE=api) applies no per-client limit and no CORS: the edge did, before forwarding', async () => {
    const app = createApp();
    const apiEnv = { ...env, WORKER_ROLE: 'api' };
    const ip = uniqueIp();
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) {
      statuses.add(
        (
          await app.request(
            '/api/auth/login',
            { method: 'POST', headers: { 'cf-connecting-ip': ip, 'content-type': 'application/json' }, body: '{}' },
            apiEnv,
          )
        ).status,
      );
    }
    expect([...statuses]).toEqual([400]);
    // An origin wrangler.toml's CORS_ORIGINS lists: the edge would allow it.
    const origin = 'http://127.0.0.1:8787';
    expect((await app.request('/api/me', { headers: { origin } }, env)).headers.get('access-control-allow-origin')).toBe(origin);
    const res = await app.request('/api/me', { headers: { origin } }, apiEnv);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('server-timing')).toMatch(/^api;dur=\d+$/);
  });

  it('does not limit a route outside /api and /s3', async () => {
    const app = createApp();
    const ip = uniqueIp();
    const statuses = new Set<number>();
    for (let i = 0; i < 65; i++) {
      statuses.add((await app.request('/.well-known/jwks.json', { headers: { 'cf-connecting-ip': ip } }, env)).status);
    }
    expect([...statuses]).toEqual([200]);
  });
});
