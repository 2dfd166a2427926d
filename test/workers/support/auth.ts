/**
 * Helpers for the auth suites: HTTP calls through the Worker's own fetch
 * handler (SELF), each from its own client address so the per-client and
 * per-address limits of one test never touch another's, and readers for the
 * refresh cookie.
 */
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';

export const ORIGIN = 'https://edge.test';

/** A random address in 10.0.0.0/8: every test (and test file) gets its own. */
export function uniqueIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export const uniqueEmail = (tag = 'user') => `${tag}-${crypto.randomUUID()}@example.test`;
export const PASSWORD = 'correct horse battery staple';

export interface CallOptions {
  method?: string;
  /** JSON body (serialised here), or a raw body with its own content type. */
  json?: unknown;
  body?: BodyInit;
  ip?: string;
  /** The refresh token, sent as the `__Host-refresh` cookie. */
  refresh?: string;
  token?: string;
  headers?: Record<string, string>;
}

export function call(path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': o.ip ?? uniqueIp(), ...o.headers };
  if (o.json !== undefined) headers['content-type'] ??= 'application/json';
  if (o.refresh !== undefined) headers.cookie = `__Host-refresh=${o.refresh}`;
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  const body = o.json !== undefined ? JSON.stringify(o.json) : o.body;
  return SELF.fetch(`${ORIGIN}${path}`, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

/** The `__Host-refresh` Set-Cookie header of a response, split into value and attributes. */
export function refreshCookie(res: Response): { value: string; attributes: string[] } | undefined {
  const header = res.headers.get('set-cookie');
  const m = header ? /^__Host-refresh=([^;]*)((?:;[^;]*)*)$/.exec(header) : null;
  if (!m) return undefined;
  return {
    value: decodeURIComponent(m[1]!),
    attributes: m[2]!
      .split(';')
      .map((a) => a.trim())
      .filter(Boolean),
  };
}

export interface Session {
  accessToken: string;
  expiresIn: number;
  user: { id: string; email: string; name: string; createdAt: string };
  refresh: string;
}

export async function sessionOf(res: Response, status: number): Promise<Session> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const cookie = refreshCookie(res);
  expect(cookie).toBeDefined();
  return { ...(JSON.parse(text) as Omit<Session, 'refresh'>), refresh: cookie!.value };
}

export interface Registered extends Session {
  email: string;
  password: string;
}

/** Registers a fresh user (from its own address) and returns the session. */
export async function register(tag = 'user', password = PASSWORD): Promise<Registered> {
  const email = uniqueEmail(tag);
  const res = await call('/api/auth/register', { json: { email, password, name: `Test ${tag}` } });
  return { ...(await sessionOf(res, 201)), email, password };
}

export function login(email: string, password: string, ip?: string): Promise<Response> {
  return call('/api/auth/login', { json: { email, password }, ...(ip ? { ip } : {}) });
}

/** Decodes (without verifying) a JWT's header and payload. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  const json = (s: string) =>
    JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0))));
  return { header: json(h!), payload: json(p!) };
}

export interface ErrorJson {
  error: { code: string; message: string; requestId: string; details?: { fields?: { field: string; code: string; message: string }[] } };
}

export async function errorOf(res: Response): Promise<ErrorJson['error']> {
  return ((await res.json()) as ErrorJson).error;
}
