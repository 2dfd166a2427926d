/**
 * The signed-in session. The access token lives in memory only (never in
 * storage a script injection could read); the refresh token is the edge's
 * httpOnly `__Host-refresh` cookie. Refreshes are serialised across tabs
 * with the Web Locks API: the edge rotates the refresh token on every use
 * and treats a second use of the old one as theft (it revokes the whole
 * family), so two tabs must never refresh at once. (These calls use fetch
 * directly, typed by the generated schema: client.ts builds on this module.)
 */
import { startAuthentication } from '@simplewebauthn/browser';
import type { Operations, Schemas } from './schema.gen.ts';
import { signal } from './signal.ts';

export type User = Schemas['User'];
export type SecondStep = Schemas['SecondStepRequired'];
type SessionBody = Schemas['Session'];
type Body<K extends 'POST /api/auth/login' | 'POST /api/auth/register'> = Operations[K]['body'];

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let token: { value: string; expiresAt: number } | null = null;

/**
 * Whether this browser signed in before (the refresh cookie is httpOnly, so
 * script cannot see it). Without the hint, a first visit would ask the edge to
 * refresh a session that does not exist and log a 401.
 */
const HINT = 'media.signedIn';
const hint = {
  get: () => {
    try {
      return localStorage.getItem(HINT) === '1';
    } catch {
      return true; // storage blocked: ask the edge
    }
  },
  set: (on: boolean) => {
    try {
      if (on) localStorage.setItem(HINT, '1');
      else localStorage.removeItem(HINT);
    } catch {
      /* storage blocked: the hint only saves a request */
    }
  },
};
/** The signed-in user (null: signed out; undefined: not known yet). */
export const currentUser = signal<User | null | undefined>(undefined);

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('media-session') : null;
channel?.addEventListener('message', (e: MessageEvent<{ kind: string }>) => {
  // Another tab signed out: drop our token too (its refresh family is gone).
  if (e.data?.kind === 'logout') {
    token = null;
    currentUser.set(null);
  }
});

function accept(body: SessionBody): string {
  // Renew a little early so a request never leaves with a token about to expire.
  token = { value: body.accessToken, expiresAt: Date.now() + Math.max(0, body.expiresIn - 30) * 1000 };
  hint.set(true);
  currentUser.set(body.user);
  return body.accessToken;
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function fail(res: Response): Promise<never> {
  const e = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  throw new AuthError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `Request failed (${res.status}).`, e?.details);
}

/** The browser's passkey prompt for request options from the edge; its answer in the API's shape. */
async function assertWithPasskey(options: unknown): Promise<Schemas['PasskeyAssertion']> {
  const answer = await startAuthentication({ optionsJSON: options as Parameters<typeof startAuthentication>[0]['optionsJSON'] });
  // The same JSON; the library types its extension outputs more narrowly than the API's record.
  return answer as unknown as Schemas['PasskeyAssertion'];
}

let inflight: Promise<string | null> | null = null;

/** One refresh at a time in this tab, and (with Web Locks) across tabs. */
function refreshOnce(stale: string | null): Promise<string | null> {
  inflight ??= (async () => {
    const run = async () => {
      // Another tab (or an earlier caller here) may have refreshed while we waited for the lock.
      if (token && token.value !== stale && token.expiresAt > Date.now()) return token.value;
      const res = await post('/api/auth/refresh');
      if (!res.ok) {
        token = null;
        hint.set(false);
        currentUser.set(null);
        return null;
      }
      return accept((await res.json()) as SessionBody);
    };
    return navigator.locks ? navigator.locks.request('media-session-refresh', run) : run();
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

export const session = {
  /** A valid access token, refreshing when the one in memory expired; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (token && token.expiresAt > Date.now()) return token.value;
    if (currentUser.get() === null) return null;
    return refreshOnce(token?.value ?? null);
  },
  /** After a 401 with `stale`: a new token, or null (signed out). */
  refresh(stale: string | null): Promise<string | null> {
    return refreshOnce(stale);
  },
  /** On start: resume a session from the refresh cookie, if there is one. */
  async resume(): Promise<void> {
    if (!hint.get()) {
      currentUser.set(null);
      return;
    }
    await refreshOnce(null);
  },
  /** Signs in, or answers the challenge of an account with two-factor authentication (then call `secondFactor`). */
  async login(email: string, password: string): Promise<User | SecondStep> {
    const res = await post('/api/auth/login', { email, password } satisfies Body<'POST /api/auth/login'>);
    if (!res.ok) await fail(res);
    if (res.status === 202) return (await res.json()) as SecondStep;
    accept((await res.json()) as SessionBody);
    return currentUser.get()!;
  },
  /** Signs in with a passkey alone (a discoverable credential; the browser asks which one). */
  async passkeySignIn(): Promise<User> {
    const start = await post('/api/auth/passkeys/sign-in/options');
    if (!start.ok) await fail(start);
    const { options } = (await start.json()) as { options: unknown };
    const response = await assertWithPasskey(options);
    const res = await post('/api/auth/passkeys/sign-in', { response } satisfies Operations['POST /api/auth/passkeys/sign-in']['body']);
    if (!res.ok) await fail(res);
    accept((await res.json()) as SessionBody);
    return currentUser.get()!;
  },
  /** The login's second step answered with one of the account's passkeys. */
  async passkeySecondFactor(challengeToken: string): Promise<User> {
    const start = await post('/api/auth/login/second-factor/passkey-options', { challengeToken });
    if (!start.ok) await fail(start);
    const { options } = (await start.json()) as { options: unknown };
    return session.secondFactor(challengeToken, { passkey: await assertWithPasskey(options) });
  },
  /** The login's second step: a code of the authenticator app, a recovery code or a passkey assertion. */
  async secondFactor(
    challengeToken: string,
    factor: { code: string } | { recoveryCode: string } | { passkey: Schemas['PasskeyAssertion'] },
  ): Promise<User> {
    const res = await post('/api/auth/login/second-factor', {
      challengeToken,
      ...factor,
    } satisfies Operations['POST /api/auth/login/second-factor']['body']);
    if (!res.ok) await fail(res);
    accept((await res.json()) as SessionBody);
    return currentUser.get()!;
  },
  /** After a password change: the answer is a fresh session (every other one ended). */
  adopt(body: SessionBody): void {
    accept(body);
  },
  async register(email: string, password: string, name: string): Promise<User> {
    const res = await post('/api/auth/register', { email, password, name } satisfies Body<'POST /api/auth/register'>);
    if (!res.ok) await fail(res);
    accept((await res.json()) as SessionBody);
    return currentUser.get()!;
  },
  async logout(): Promise<void> {
    await post('/api/auth/logout').catch(() => undefined);
    token = null;
    hint.set(false);
    currentUser.set(null);
    channel?.postMessage({ kind: 'logout' });
  },
};
