/**
 * The sessions list: refresh-token families with created / last used, a
 * user-agent class and a coarse address; ending one or all others takes
 * effect on writes at once; nobody ends another user's session.
 */
import { describe, expect, it } from 'vitest';
import { call, errorOf, login, PASSWORD, register, sessionOf } from './support/auth.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

interface Item {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  client: string;
  address: string | null;
}

async function list(token: string): Promise<Item[]> {
  const res = await call('/api/auth/sessions', { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { sessions: Item[] }).sessions;
}

const loginFrom = async (email: string, ua: string, ip: string) =>
  sessionOf(await call('/api/auth/login', { json: { email, password: PASSWORD }, ip, headers: { 'user-agent': ua } }), 200);

/** A write that needs a live session. */
const write = (token: string) => call('/api/collections', { token, json: { name: 'probe' } });

describe('listing', () => {
  it('shows every live session with its client class and coarse address; the caller is marked', async () => {
    const reg = await register('sessions');
    const a = await loginFrom(reg.email, FIREFOX, '203.0.113.77');
    const b = await loginFrom(reg.email, IPHONE, '2001:db8:1234:5678::1');
    const items = await list(a.accessToken);
    expect(items).toHaveLength(3);
    const firefox = items.find((i) => i.client === 'Firefox on Linux')!;
    expect(firefox.current).toBe(true);
    expect(firefox.address).toBe('203.0.113.0/24');
    const iphone = items.find((i) => i.client === 'Safari on iOS')!;
    expect(iphone.current).toBe(false);
    expect(iphone.address).toBe('2001:db8:1234::/48');
    expect(JSON.stringify(items)).not.toContain('203.0.113.77');
    expect(items.filter((i) => i.current)).toHaveLength(1);
    expect(b.accessToken).toBeTruthy();
  });

  it('last used moves on a refresh; a logged-out session leaves the list', async () => {
    const reg = await register('sessions-refresh');
    const other = await sessionOf(await login(reg.email, PASSWORD), 200);
    const before = (await list(reg.accessToken)).find((i) => !i.current)!;
    await new Promise((r) => setTimeout(r, 20));
    const refreshed = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh }), 200);
    const after = (await list(reg.accessToken)).find((i) => i.id === before.id)!;
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
    expect((await call('/api/auth/logout', { method: 'POST', refresh: refreshed.refresh })).status).toBe(204);
    expect((await list(reg.accessToken)).map((i) => i.id)).not.toContain(before.id);
  });
});

describe('ending', () => {
  it('ending one session refuses its writes and its refresh at once; the caller stays', async () => {
    const reg = await register('sessions-end');
    const other = await sessionOf(await login(reg.email, PASSWORD), 200);
    expect((await write(other.accessToken)).status).toBe(201);
    const target = (await list(reg.accessToken)).find((i) => !i.current)!;
    expect((await call(`/api/auth/sessions/${target.id}`, { method: 'DELETE', token: reg.accessToken })).status).toBe(204);
    expect((await errorOf(await write(other.accessToken))).code).toBe('session_ended');
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh })).status).toBe(401);
    expect((await write(reg.accessToken)).status).toBe(201);
    // Again: already ended.
    expect((await call(`/api/auth/sessions/${target.id}`, { method: 'DELETE', token: reg.accessToken })).status).toBe(404);
  });

  it('end-others ends all but the caller', async () => {
    const reg = await register('sessions-others');
    const others = [await sessionOf(await login(reg.email, PASSWORD), 200), await sessionOf(await login(reg.email, PASSWORD), 200)];
    const res = await call('/api/auth/sessions/end-others', { method: 'POST', token: reg.accessToken });
    expect(await res.json()).toEqual({ ended: 2 });
    for (const o of others) expect((await errorOf(await write(o.accessToken))).code).toBe('session_ended');
    expect((await list(reg.accessToken)).map((i) => i.current)).toEqual([true]);
  });

  it("cannot end another user's session (404, it stays live); bad ids are 400", async () => {
    const alice = await register('sessions-alice');
    const mallory = await register('sessions-mallory');
    const aliceSession = (await list(alice.accessToken))[0]!;
    expect((await call(`/api/auth/sessions/${aliceSession.id}`, { method: 'DELETE', token: mallory.accessToken })).status).toBe(404);
    expect((await write(alice.accessToken)).status).toBe(201);
    expect((await call('/api/auth/sessions/not-a-uuid', { method: 'DELETE', token: mallory.accessToken })).status).toBe(400);
    expect((await call('/api/auth/sessions')).status).toBe(401);
  });

  it('an ended session cannot list or end sessions (its token is refused on writes; the list asks the database)', async () => {
    const reg = await register('sessions-ended');
    const other = await sessionOf(await login(reg.email, PASSWORD), 200);
    await call('/api/auth/sessions/end-others', { method: 'POST', token: reg.accessToken });
    const mine = (await list(reg.accessToken))[0]!;
    const res = await call(`/api/auth/sessions/${mine.id}`, { method: 'DELETE', token: other.accessToken });
    expect((await errorOf(res)).code).toBe('session_ended');
    expect((await write(reg.accessToken)).status).toBe(201);
  });
});
