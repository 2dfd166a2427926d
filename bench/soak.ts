/**
 * Soak: a mixed load on the local stack for a set time, recording the memory
 * of the processes started for it (by PID: the stack's Node process and its
 * workerd) and every error. Each simulated user, from its own address, loops
 * over: list, search, asset detail, a thumbnail through its signed URL, and
 * now and then an upload (start, presigned PUT, then the pipeline); it logs
 * in again before its access token expires. Every
 * `sampleSec` it records RSS; every `heapSec` it asks workerd's V8 (through the
 * inspector) for its heap in use before and after a full GC — a live heap
 * that stays flat while RSS climbs is heap sizing and allocator retention,
 * one that climbs with the request count is a leak.
 *
 *   node --import tsx bench/soak.ts [minutes=30] [users=40] [sampleSec=10] [heapSec=60] [rampSec=20]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { heapUsage } from './soak-inspector.ts';

const minutes = Number(process.argv[2] ?? 30);
const users = Number(process.argv[3] ?? 40);
const sampleSec = Number(process.argv[4] ?? 10);
const heapSec = Number(process.argv[5] ?? 60);
const rampSec = Number(process.argv[6] ?? 20);
const root = path.resolve(import.meta.dirname, '..');

/** VmRSS of a process, in MiB (0 once it is gone). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** The workerd among the descendants of `pid`. */
async function workerdOf(pid: number): Promise<number | undefined> {
  const children = async (p: number): Promise<number[]> => {
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    const out: number[] = [];
    for (const t of tasks) {
      const list = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      out.push(...list.split(/\s+/).filter(Boolean).map(Number));
    }
    return out;
  };
  const queue = await children(pid);
  while (queue.length) {
    const p = queue.shift()!;
    if ((await readFile(`/proc/${p}/comm`, 'utf8').catch(() => '')).trim() === 'workerd') return p;
    queue.push(...(await children(p)));
  }
  return undefined;
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-soak-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'bench/soak-stack.ts', dataDir], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ready = await new Promise<{ edge: string; inspectorPort: number }>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve(JSON.parse(line) as { edge: string; inspectorPort: number });
  });
  child.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
});
const nodePid = child.pid!;
const workerdPid = await workerdOf(nodePid);
if (!workerdPid) throw new Error('no workerd under the stack process');
const edge = ready.edge;
console.log(`stack ready: node pid ${nodePid}, workerd pid ${workerdPid}, edge ${edge}; ${users} users for ${minutes} min`);

// ---- load -------------------------------------------------------------------------------------
const counts = { requests: 0, errors: 0, uploads: 0, logins: 0, byStatus: new Map<string, number>() };
const fail = (what: string) => {
  counts.errors++;
  counts.byStatus.set(what, (counts.byStatus.get(what) ?? 0) + 1);
};
async function call(url: string, init: RequestInit = {}): Promise<Response | undefined> {
  counts.requests++;
  try {
    const res = await fetch(url, init);
    if (res.status >= 400) fail(`${init.method ?? 'GET'} ${new URL(url).pathname.split('/').slice(0, 3).join('/')} ${res.status}`);
    return res;
  } catch (err) {
    fail(`network ${String(err).slice(0, 60)}`);
    return undefined;
  }
}

const jpeg = (seed: number) =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: seed % 255, g: (seed * 7) % 255, b: 90 } } })
    .jpeg()
    .toBuffer();

async function upload(headers: Record<string, string>, n: number): Promise<void> {
  const bytes = await jpeg(n);
  const res = await call(`${edge}/api/uploads`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ filename: `soak-${n}.jpg`, size: bytes.length, contentType: 'image/jpeg' }),
  });
  if (!res?.ok) return void (await res?.body?.cancel());
  const start = (await res.json()) as { url: string; headers: Record<string, string> };
  const put = await call(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) });
  await put?.body?.cancel();
  counts.uploads++;
}

const words = ['soak', 'jpg', 'holiday', 'beach', 'sunset'];
const end = Date.now() + minutes * 60_000;

async function user(i: number): Promise<void> {
  // Users arrive over `rampSec` (registration hashes a password inside the one local isolate:
  // 40 at once would block it for seconds, which is a test of the ramp, not of the soak).
  await new Promise((r) => setTimeout(r, (i * rampSec * 1000) / users));
  const ip = { 'cf-connecting-ip': `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}` };
  const email = `soak-${i}-${Date.now()}@example.test`;
  const password = 'correct horse battery staple';
  const authHeaders = { ...ip, 'content-type': 'application/json', origin: new URL(edge).origin };
  const reg = await call(`${edge}/api/auth/register`, {
    method: 'POST',
    headers: authHeaders,
    body: JSON.stringify({ email, password, name: `soak ${i}` }),
  });
  if (!reg?.ok) return;
  let session = (await reg.json()) as { accessToken: string; expiresIn: number };
  let renewAt = Date.now() + (session.expiresIn - 60) * 1000;
  const headers = { ...ip, authorization: `Bearer ${session.accessToken}` };
  for (let n = 0; n < 3; n++) await upload(headers, i * 1000 + n);
  for (let round = 0; Date.now() < end; round++) {
    // A session outlives its access token (minutes): log in again before it expires, as a client would.
    if (Date.now() >= renewAt) {
      const login = await call(`${edge}/api/auth/login`, {
        method: 'POST',
        headers: authHeaders,
        body: JSON.stringify({ email, password }),
      });
      if (login?.ok) {
        session = (await login.json()) as { accessToken: string; expiresIn: number };
        renewAt = Date.now() + (session.expiresIn - 60) * 1000;
        headers.authorization = `Bearer ${session.accessToken}`;
        counts.logins++;
      } else await login?.body?.cancel();
    }
    const list = await call(`${edge}/api/assets?limit=20`, { headers });
    const items = list?.ok ? ((await list.json()) as { items: { id: string }[] }).items : [];
    const search = await call(`${edge}/api/search?q=${words[round % words.length]}`, { headers });
    await search?.body?.cancel();
    const pick = items[round % Math.max(1, items.length)];
    if (pick) {
      const detail = await call(`${edge}/api/assets/${pick.id}`, { headers });
      const media = detail?.ok ? ((await detail.json()) as { media: { variant: string; url: string }[] }).media : [];
      const thumb = media.find((m) => m.variant === 'w320.webp') ?? media[0];
      if (thumb) await (await call(`${edge}${thumb.url}`, { headers: ip }))?.arrayBuffer();
    }
    if (round % 20 === 19) await upload(headers, i * 1000 + 3 + round);
  }
}

// ---- measurement ------------------------------------------------------------------------------
interface Sample {
  t: number;
  requests: number;
  errors: number;
  nodeMiB: number;
  workerdMiB: number;
  /** The machine's 1-minute load average (it is shared: other work slows the stack too). */
  load: number;
  heap?: { usedMiB: number; totalMiB: number; afterGcMiB: number };
}
const samples: Sample[] = [];
const t0 = Date.now();
let lastHeap = 0;
const sample = async (): Promise<void> => {
  const s: Sample = {
    t: Math.round((Date.now() - t0) / 1000),
    requests: counts.requests,
    errors: counts.errors,
    nodeMiB: await rssMiB(nodePid),
    workerdMiB: await rssMiB(workerdPid),
    load: os.loadavg()[0]!,
  };
  if (Date.now() - lastHeap >= heapSec * 1000 || Date.now() >= end) {
    lastHeap = Date.now();
    s.heap = await heapUsage(ready.inspectorPort).catch((err: unknown) => {
      console.log(`heap: ${String(err)}`);
      return undefined;
    });
  }
  samples.push(s);
  const heap = s.heap
    ? ` heap used ${s.heap.usedMiB.toFixed(0)} / total ${s.heap.totalMiB.toFixed(0)} MiB, after GC ${s.heap.afterGcMiB.toFixed(0)}`
    : '';
  console.log(
    `t=${s.t}s req=${s.requests} err=${s.errors} node ${s.nodeMiB.toFixed(0)} MiB workerd ${s.workerdMiB.toFixed(0)} MiB load ${s.load.toFixed(1)}${heap}`,
  );
};
await sample();
let sampling = false;
const timer = setInterval(() => {
  if (sampling) return;
  sampling = true;
  void sample().finally(() => (sampling = false));
}, sampleSec * 1000);
await Promise.all(Array.from({ length: users }, (_, i) => user(i)));
clearInterval(timer);
lastHeap = 0;
await sample();

const peak = (k: 'nodeMiB' | 'workerdMiB') => Math.max(...samples.map((s) => s[k]));
const secs = (Date.now() - t0) / 1000;
console.log(
  `\n${counts.requests} requests in ${secs.toFixed(0)} s (${(counts.requests / secs).toFixed(0)} req/s), ${counts.uploads} uploads, ${counts.logins} logins, ${counts.errors} errors`,
);
for (const [k, v] of counts.byStatus) console.log(`  ${v} x ${k}`);
console.log(
  `RSS start -> peak -> end: node ${samples[0]!.nodeMiB.toFixed(0)} -> ${peak('nodeMiB').toFixed(0)} -> ${samples.at(-1)!.nodeMiB.toFixed(0)} MiB; workerd ${samples[0]!.workerdMiB.toFixed(0)} -> ${peak('workerdMiB').toFixed(0)} -> ${samples.at(-1)!.workerdMiB.toFixed(0)} MiB`,
);
console.log(`SAMPLES ${JSON.stringify(samples)}`);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await rm(dataDir, { recursive: true, force: true });
