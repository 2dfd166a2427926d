/**
 * Plain HTTP calls to the edge under test, as a user (Bearer) or anonymously.
 * Each request comes from its own client address (`CF-Connecting-IP`, which
 * Miniflare passes through when the client sets it), so the per-client rate
 * limits of wrangler.toml never throttle the thousands of probes a run makes.
 */

export interface Reply {
  status: number;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
}

export interface CallOptions {
  /** A Bearer access token. */
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface Client {
  base: string;
  call(method: string, path: string, o?: CallOptions): Promise<Reply>;
}

let ipCounter = 0;
/** Requests sent so far (for the cost report). */
export const requestsSent = () => ipCounter;
const nextIp = () => {
  const n = ++ipCounter;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

export function createClient(base: string): Client {
  return {
    base,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { 'cf-connecting-ip': nextIp(), ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json) });
      const text = await res.text();
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, text, body };
    },
  };
}

/** Runs the tasks with at most `limit` in flight, keeping their order in the results. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
