/**
 * The V8 heap of the Worker's isolate in workerd, read through its inspector
 * (Chrome DevTools Protocol): heap in use and reserved, then in use again
 * after a full GC (what is live — the number a leak makes grow).
 */
import WebSocket from 'ws';

const MiB = 1024 * 1024;

export async function heapUsage(inspectorPort: number): Promise<{ usedMiB: number; totalMiB: number; afterGcMiB: number }> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
    title?: string;
  }[];
  // The Worker's own isolate (Miniflare's entry and helper workers have others).
  const target = targets.find((t) => /\/core:user:/.test(t.webSocketDebuggerUrl));
  if (!target) throw new Error('no inspector target');
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  // An answer that never comes (the isolate busy or gone) must not stall the soak.
  const send = <T>(method: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const n = ++id;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10_000);
      pending.set(n, (r) => {
        clearTimeout(timer);
        resolve(r as T);
      });
      ws.send(JSON.stringify({ id: n, method }));
    });
  try {
    const before = await send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    await send('HeapProfiler.collectGarbage');
    const after = await send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    return { usedMiB: before.usedSize / MiB, totalMiB: before.totalSize / MiB, afterGcMiB: after.usedSize / MiB };
  } finally {
    ws.close();
  }
}
