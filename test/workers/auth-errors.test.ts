/**
 * Auth request errors: body parsing (415, 413, 400 bad_request), validation
 * of every field (400 validation_failed naming it), duplicate registration,
 * wrong credentials and refused refresh tokens, and that a failed
 * registration leaves nothing behind.
 */
import { env } from 'cloudflare:test';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { refreshTokens, users } from '../../shared/db/schema.ts';
import { call, errorOf, login, PASSWORD, refreshCookie, register, uniqueEmail, uniqueIp } from './support/auth.ts';
import { withDb } from './support/fixtures.ts';

const usersWithEmail = (email: string) =>
  withDb((db) => db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`));

async function expectFieldError(path: string, json: unknown, field: string, code?: string) {
  const res = await call(path, { json });
  expect(res.status, JSON.stringify(json)).toBe(400);
  const error = await errorOf(res);
  expect(error.code).toBe('validation_failed');
  const fields = error.details?.fields ?? [];
  expect(
    fields.map((f) => f.field),
    JSON.stringify(json),
  ).toContain(field);
  if (code) expect(fields.find((f) => f.field === field)?.code).toBe(code);
  return error;
}

describe('request bodies', () => {
  const routes = ['/api/auth/register', '/api/auth/login'];

  it.each(routes)('%s refuses a body that is not JSON with 415', async (path) => {
    const variants: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      {},
    ];
    for (const headers of variants) {
      const res = await call(path, { body: 'email=a@b.c', headers });
      expect(res.status).toBe(415);
      expect((await errorOf(res)).code).toBe('unsupported_media_type');
    }
  });

  it.each(routes)('%s refuses malformed JSON with 400 bad_request', async (path) => {
    for (const body of ['{"email":', '', 'not json', '{"a":1}}']) {
      const res = await call(path, { body, headers: { 'content-type': 'application/json' } });
      expect(res.status, body).toBe(400);
      expect((await errorOf(res)).code).toBe('bad_request');
    }
  });

  it.each(routes)('%s refuses a body over 16 KiB with 413, declared or streamed', async (path) => {
    const big = JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(17 * 1024), name: 'n' });
    const declared = await call(path, { body: big, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('payload_too_large');
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let i = 0; i < bytes.length; i += 4096) ctrl.enqueue(bytes.slice(i, i + 4096));
        ctrl.close();
      },
    });
    const streamed = await call(path, { body: stream, headers: { 'content-type': 'application/json' } });
    expect(streamed.status).toBe(413);
  });

  it.each(routes)('%s refuses a JSON value that is not an object', async (path) => {
    for (const json of [[], 'text', 42, null]) {
      const res = await call(path, { json });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('validation_failed');
    }
  });
});

describe('register validation', () => {
  const ok = () => ({ email: uniqueEmail('val'), password: PASSWORD, name: 'Val' });
  const R = '/api/auth/register';

  it('names a missing or mistyped email', async () => {
    await expectFieldError(R, { ...ok(), email: undefined }, 'email', 'invalid_type');
    await expectFieldError(R, { ...ok(), email: 42 }, 'email', 'invalid_type');
    await expectFieldError(R, { ...ok(), email: 'not-an-email' }, 'email');
    await expectFieldError(R, { ...ok(), email: `${'a'.repeat(250)}@example.test` }, 'email');
  });

  it('applies the password policy: length, common passwords, not the email', async () => {
    await expectFieldError(R, { ...ok(), password: undefined }, 'password', 'invalid_type');
    await expectFieldError(R, { ...ok(), password: 1234567890 }, 'password', 'invalid_type');
    await expectFieldError(R, { ...ok(), password: 'short pw1' }, 'password'); // 9 characters
    await expectFieldError(R, { ...ok(), password: 'x'.repeat(257) }, 'password');
    await expectFieldError(R, { ...ok(), password: 'Password123' }, 'password');
    const email = uniqueEmail('same');
    await expectFieldError(R, { ...ok(), email, password: email.toUpperCase() }, 'password');
  });

  it('has no composition rules and counts characters, not bytes', async () => {
    // Ten characters, all lower-case letters and one space: allowed (NIST: length only).
    const s1 = await call(R, { json: { ...ok(), password: 'abcde fghi' } });
    expect(s1.status).toBe(201);
    // Ten emoji are 40 UTF-8 bytes but ten characters.
    const s2 = await call(R, { json: { ...ok(), password: '🔑'.repeat(10) } });
    expect(s2.status).toBe(201);
    await expectFieldError(R, { ...ok(), password: '🔑'.repeat(9) }, 'password');
  });

  it('names a missing, empty, long or control-character name', async () => {
    await expectFieldError(R, { ...ok(), name: undefined }, 'name', 'invalid_type');
    await expectFieldError(R, { ...ok(), name: '   ' }, 'name');
    await expectFieldError(R, { ...ok(), name: 'n'.repeat(101) }, 'name');
    await expectFieldError(R, { ...ok(), name: 'bad\u0000name' }, 'name');
    await expectFieldError(R, { ...ok(), name: ['a'] }, 'name', 'invalid_type');
  });

  it('refuses unknown fields, naming them', async () => {
    await expectFieldError(R, { ...ok(), isAdmin: true }, 'isAdmin', 'unrecognized_key');
  });

  it('lists every bad field at once and never echoes the submitted values', async () => {
    const error = await expectFieldError(R, { email: 'nope', password: 'tiny-pw', name: '' }, 'email');
    expect(error.details!.fields!.map((f) => f.field).sort()).toEqual(['email', 'name', 'password']);
    expect(JSON.stringify(error)).not.toContain('tiny-pw');
  });

  it('creates no user when validation fails', async () => {
    const email = uniqueEmail('nouser');
    await expectFieldError(R, { email, password: 'short', name: 'x' }, 'password');
    expect(await usersWithEmail(email)).toHaveLength(0);
  });
});

describe('login validation', () => {
  const L = '/api/auth/login';
  it('names missing or mistyped fields', async () => {
    await expectFieldError(L, { password: PASSWORD }, 'email', 'invalid_type');
    await expectFieldError(L, { email: 'a@example.test' }, 'password', 'invalid_type');
    await expectFieldError(L, { email: 'a@example.test', password: 12 }, 'password', 'invalid_type');
    await expectFieldError(L, { email: 'a@example.test', password: '' }, 'password');
    await expectFieldError(L, { email: 'a@example.test', password: 'x'.repeat(1025) }, 'password');
    await expectFieldError(L, { email: true, password: PASSWORD }, 'email', 'invalid_type');
    await expectFieldError(L, { email: 'a@example.test', password: PASSWORD, remember: true }, 'remember', 'unrecognized_key');
  });
});

describe('duplicate registration', () => {
  it('answers 409 with a generic message, whatever the case of the email, and keeps one user', async () => {
    const reg = await register('dup');
    for (const email of [reg.email, reg.email.toUpperCase()]) {
      const res = await call('/api/auth/register', { json: { email, password: 'another password', name: 'Other' } });
      expect(res.status).toBe(409);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: 'conflict', message: 'This email cannot be used to register.' });
      expect(refreshCookie(res)).toBeUndefined();
    }
    expect(await usersWithEmail(reg.email)).toHaveLength(1);
    expect(await withDb((db) => db.select().from(refreshTokens).where(eq(refreshTokens.userId, reg.user.id)))).toHaveLength(1);
  });

  it('leaves no user row when the transaction fails after inserting it', async () => {
    const marker = `fail-register-${crypto.randomUUID()}`;
    const logged = captureErrors();
    await withFailureTriggers(async () => {
      const email = uniqueEmail('atomic');
      const res = await call('/api/auth/register', { json: { email, password: PASSWORD, name: 'A' }, headers: { 'user-agent': marker } });
      expect(res.status).toBe(500);
      expect((await errorOf(res)).code).toBe('internal');
      expect(await usersWithEmail(email)).toHaveLength(0);
      expect(logged.join('\n')).toMatch(/insert into \W*refresh_tokens[\s\S]*forced failure/);
    });
  });

  it('does not log the password hash when the user insert fails', async () => {
    const logged = captureErrors();
    await withFailureTriggers(async () => {
      const res = await call('/api/auth/register', {
        json: { email: uniqueEmail('nolog'), password: PASSWORD, name: 'fail-register-user' },
      });
      expect(res.status).toBe(500);
    });
    expect(logged.join('\n')).toMatch(/insert into \W*users[\s\S]*forced failure/);
    expect(logged.join('\n')).not.toContain('scrypt$');
  });
});

/** Collects console.error lines until the test ends (the Worker runs in the test's isolate). */
function captureErrors(): string[] {
  const logged: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  onTestFinished(() => spy.mockRestore());
  return logged;
}

/**
 * Runs `fn` while triggers fail two kinds of marked inserts: a refresh token
 * whose user agent, or a user whose name, starts with `fail-register-`.
 * Unmarked rows (every other test) pass.
 */
async function withFailureTriggers(fn: () => Promise<void>) {
  await withDb(async (db) => {
    // One function per table: plpgsql resolves `new.<field>` at run time, so a
    // shared function would fail on every row of the table lacking the field.
    for (const [table, field] of [
      ['refresh_tokens', 'user_agent'],
      ['users', 'name'],
    ] as const) {
      await db.execute(
        sql.raw(`create or replace function test_fail_marked_${table}() returns trigger language plpgsql as $$
        begin
          if new.${field} like 'fail-register-%' then raise exception 'forced failure'; end if;
          return new;
        end $$`),
      );
      await db.execute(
        sql.raw(
          `create or replace trigger test_fail_marked before insert on ${table} for each row execute function test_fail_marked_${table}()`,
        ),
      );
    }
  });
  try {
    await fn();
  } finally {
    await withDb(async (db) => {
      for (const table of ['refresh_tokens', 'users']) {
        await db.execute(sql.raw(`drop trigger if exists test_fail_marked on ${table}`));
        await db.execute(sql.raw(`drop function if exists test_fail_marked_${table}()`));
      }
    });
  }
}

describe('login failures', () => {
  it('answers one generic 401 for an unknown email and for a wrong password', async () => {
    const reg = await register('wrong');
    const unknown = await login(uniqueEmail('nobody'), PASSWORD);
    const wrong = await login(reg.email, 'not the password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const [a, b] = [await errorOf(unknown), await errorOf(wrong)];
    expect({ ...a, requestId: '' }).toEqual({ ...b, requestId: '' });
    expect(a).toMatchObject({ code: 'unauthorized', message: 'Invalid email or password.' });
    expect(refreshCookie(wrong)).toBeUndefined();
  });
});

describe('refresh failures', () => {
  const refreshWith = (refresh?: string) => call('/api/auth/refresh', { method: 'POST', ...(refresh === undefined ? {} : { refresh }) });

  it('answers 401 and clears the cookie without one, with a malformed one, or an unknown one', async () => {
    for (const refresh of [undefined, 'short', `${'A'.repeat(42)}!`, 'A'.repeat(43)]) {
      const res = await refreshWith(refresh);
      expect(res.status, String(refresh)).toBe(401);
      expect((await errorOf(res)).code).toBe('unauthorized');
      expect(refreshCookie(res)?.attributes).toContain('Max-Age=0');
    }
  });

  it('refuses an expired refresh token', async () => {
    const reg = await register('expired');
    await withDb(async (db) =>
      db
        .update(refreshTokens)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(refreshTokens.tokenHash, await sha256Base64Url(reg.refresh))),
    );
    const res = await refreshWith(reg.refresh);
    expect(res.status).toBe(401);
    expect(refreshCookie(res)?.attributes).toContain('Max-Age=0');
  });

  it('refuses a revoked refresh token', async () => {
    const reg = await register('revoked');
    await withDb(async (db) => db.update(refreshTokens).set({ revokedAt: sql`now()` }).where(eq(refreshTokens.userId, reg.user.id)));
    expect((await refreshWith(reg.refresh)).status).toBe(401);
  });
});

describe('GET /api/me without a token', () => {
  it('answers 401 with a Bearer challenge', async () => {
    const res = await call('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="media-platform"');
    expect((await errorOf(res)).code).toBe('unauthorized');
  });
});

describe('without the rate-limit bindings', () => {
  it('still serves auth routes (the bindings are optional)', async () => {
    const app = createApp();
    const bare = { ...env, AUTH_RATE_LIMITER: undefined, API_RATE_LIMITER: undefined };
    const ip = uniqueIp();
    const statuses = new Set<number>();
    for (let i = 0; i < 35; i++) {
      const res = await app.request(
        '/api/auth/login',
        { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip }, body: '{}' },
        bare,
      );
      statuses.add(res.status);
    }
    expect([...statuses]).toEqual([400]);
  });
});
