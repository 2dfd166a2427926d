/**
 * Sends a fuzzed request through the Worker and holds the answer to the API's
 * contract: never a 5xx; every 4xx is exactly `{ error: { code, message,
 * requestId[, details] } }` with a known code whose status is the one
 * answered, and the `X-Request-Id` header, when present, names the same
 * request. Ids seen in successful answers join the fuzzer's pools, so
 * resources created while fuzzing are fuzzed too.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../../edge/index.ts';
import { errorStatus } from '../../../edge/errors.ts';
import { uniqueIp } from './auth.ts';
import type { FuzzRequest, FuzzWorld } from './fuzz-requests.ts';
import type { Pools } from './fuzz-values.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * Calls the Worker's own fetch handler (edge/index.ts) with its bindings and
 * waits for its `waitUntil` work (the database pool's close). Not through
 * SELF: in this pool every SELF request gets slower than the one before
 * (measured: 6 ms per request at first, ~650 ms after 750 requests, the same
 * on the code before this suite), which would cap a fuzzer at a few hundred
 * requests; the handler called directly stays at ~1 ms.
 */
export async function send(req: FuzzRequest, world: FuzzWorld): Promise<Answer> {
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : new Uint8Array(req.body);
  const auth = req.caller === 'owner' || req.caller === 'stranger' ? world.auth[req.caller] : {};
  const request = new Request(`https://edge.test${req.url}`, {
    method: req.method,
    headers: { 'cf-connecting-ip': uniqueIp(), ...req.headers, ...auth },
    body,
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, env as never, ctx);
  // Errors and JSON answers are read (ids are harvested from the latter); media bytes are not needed to judge an answer.
  const json = /json/.test(res.headers.get('content-type') ?? '');
  const read = req.method !== 'HEAD' && (res.status >= 400 || json);
  const text = read ? await res.text() : '';
  if (!read) await res.body?.cancel();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text, headers: res.headers };
}

/** What is wrong with an answer, or null. */
export function contractBreach(req: FuzzRequest, answer: Answer): string | null {
  const { status, text, headers } = answer;
  if (status >= 500) return `${status} ${text.slice(0, 300)}`;
  if (status < 400 || req.method === 'HEAD') return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} is not JSON: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: Record<string, unknown> })?.error;
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'error' || typeof error !== 'object' || error === null) {
    return `${status} body is not { error }: ${text.slice(0, 200)}`;
  }
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'requestId', 'details'].includes(k));
  if (extra.length > 0) return `${status} error has unknown keys ${extra.join(', ')}`;
  const { code, message, requestId } = error;
  if (typeof code !== 'string' || !(code in errorStatus)) return `${status} unknown error code ${String(code)}`;
  if (errorStatus[code as keyof typeof errorStatus] !== status)
    return `${status} answered with code ${code} (which is ${errorStatus[code as keyof typeof errorStatus]})`;
  if (typeof message !== 'string' || message === '') return `${status} ${code} has no message`;
  if (typeof requestId !== 'string' || requestId === '') return `${status} ${code} has no requestId`;
  const header = headers.get('x-request-id');
  if (header !== null && header !== requestId) return `${status} X-Request-Id ${header} differs from the body's ${requestId}`;
  return null;
}

/** Adds every UUID under an `id`-like key of a JSON answer to the pool. */
export function harvestIds(text: string, pools: Pools): void {
  if (!text || pools.uuids.length > 400) return;
  const seen = new Set(pools.uuids);
  try {
    JSON.parse(text, (key, value) => {
      if (typeof value === 'string' && /id$/i.test(key) && UUID.test(value) && !seen.has(value)) {
        seen.add(value);
        pools.uuids.push(value);
      }
      return value;
    });
  } catch {
    // not JSON: nothing to learn
  }
}
