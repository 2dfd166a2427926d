/**
 * The API as a script (not the browser) calls it against an e2e stack: sign-up
 * and JSON calls with a bearer token and the stack's origin (the edge checks it
 * on cookie-bearing and auth routes).
 */
import type { E2eStack } from './stack.ts';

export const E2E_PASSWORD = 'correct horse battery staple';

/** A new account (a random email); its access token. */
export async function register(stack: E2eStack, name: string, prefix = 'e2e'): Promise<{ email: string; accessToken: string }> {
  const email = `${prefix}-${crypto.randomUUID()}@example.test`;
  const res = await fetch(`${stack.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email, password: E2E_PASSWORD, name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { email, accessToken };
}

/** One JSON call as `token`; throws with the answer when it is not 2xx. */
export async function call<T>(stack: E2eStack, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: stack.url },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
