/**
 * kill -9 of `npm run dev` while uploads are being processed: the stack runs
 * as a child in its own process group, a mix of originals (photos, a short
 * video, a PDF) lands in the raw bucket, the whole group (node, workerd,
 * ffmpeg) is killed with SIGKILL mid-processing, and the stack is started
 * again on the same data folder. Every asset must reach a final state with
 * the right derivatives, each recorded once, no dead letters, and no temp
 * folder of a dead transcode left behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/ports.ts';
import { readRelayKey } from '../../local/dev-keys.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { openStorage } from '../../origin/core/storage.ts';
import { sidewaysJpeg, tinyPdf } from './support/samples.ts';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const FINAL = ['ready', 'failed', 'blocked'];
let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: { edge: number; s3: number; pg: number; ws: number };
const started: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDev(): Running {
  // detached: the child leads a process group of its own, so one kill reaches workerd and ffmpeg too.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/dev.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** SIGKILL to the process group this test started (by its leader's pid). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function waitFor(r: Running, text: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!r.output().includes(text)) {
    if (r.child.exitCode !== null) throw new Error(`dev exited early:\n${r.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${ms} ms:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const s3 = () =>
  openStorage({ endpoint: `http://127.0.0.1:${ports.s3}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
const pg = async () =>
  openNeonDatabase({
    url: `postgres://postgres:postgres@127.0.0.1:${ports.pg}/postgres`,
    wsProxy: `127.0.0.1:${ports.ws}/v1`,
    secure: false,
    webSocketConstructor: ws,
    // The stack's relay asks for the edge's caller proof; its key is kept in the data folder.
    relayKey: await readRelayKey(dataDir),
  });

type Db = Awaited<ReturnType<typeof pg>>['db'];
const query = async <T>(db: Db, q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-crash-'));
  ports = { edge: await freePort(), s3: await freePort(), pg: await freePort(), ws: await freePort() };
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    EDGE_PORT: String(ports.edge),
    S3_PORT: String(ports.s3),
    PG_PORT: String(ports.pg),
    PG_WS_PORT: String(ports.ws),
    DEV_VARS_FILE: path.join(dataDir, 'dev.vars'),
  };
});
afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) killGroup(c);
  await rm(dataDir, { recursive: true, force: true });
});

describe('kill -9 mid-processing, then restart on the same data', () => {
  it('brings every asset to a final state with its derivatives recorded once', async () => {
    const clip = path.join(dataDir, 'clip.mp4');
    await exec('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=640x360:rate=25:duration=6',
      '-f',
      'lavfi',
      '-i',
      'sine=duration=6',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      '-y',
      clip,
    ]);
    const originals: { name: string; type: string; bytes: Buffer; kind: 'image' | 'video' | 'pdf' }[] = [
      { name: 'clip.mp4', type: 'video/mp4', bytes: await readFile(clip), kind: 'video' },
      { name: 'doc.pdf', type: 'application/pdf', bytes: tinyPdf(3), kind: 'pdf' },
    ];
    for (let i = 0; i < 10; i++)
      originals.push({ name: `photo-${i}.jpg`, type: 'image/jpeg', bytes: await sidewaysJpeg(1600 + i * 16, 1200), kind: 'image' });

    const first = startDev();
    let ids: { id: string; kind: string }[];
    try {
      await waitFor(first, 'local stack ready');
      const conn = await pg();
      const [user] = await query<{ id: string }>(
        conn.db,
        sql`insert into users (email, name, password_hash) values ('crash@example.test', 'Crash', 'h') returning id`,
      );
      ids = [];
      for (const o of originals) {
        const [a] = await query<{ id: string }>(
          conn.db,
          sql`insert into assets (owner_id, filename, declared_type, size) values (${user!.id}, ${o.name}, ${o.type}, ${o.bytes.length}) returning id`,
        );
        ids.push({ id: a!.id, kind: o.kind });
      }
      const storage = s3();
      await Promise.all(
        originals.map((o, i) => storage.put('raw', originalKey(ids[i]!.id), new Uint8Array(o.bytes), { contentType: o.type })),
      );
      // Mid-processing: the pipeline has started on something and not finished everything.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const rows = await query<{ status: string }>(conn.db, sql`select status from assets where owner_id = ${user!.id}`);
        if (rows.some((r) => r.status !== 'pending')) {
          const counts: Record<string, number> = {};
          for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
          console.log(`crash recovery: killed with ${JSON.stringify(counts)}`);
          // A kill after everything finished would test nothing.
          expect(rows.filter((r) => FINAL.includes(r.status)).length).toBeLessThan(ids.length);
          break;
        }
        if (Date.now() > deadline) throw new Error(`nothing started within 60 s:\n${first.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await conn.close();
      killGroup(first.child);
      await first.exited;
    } finally {
      killGroup(first.child);
    }
    // What the killed ingests left in the stack's temp folder, plus one planted for certain
    // (the kill may land between two ingests): an original spooled to disk by a job that died.
    const tmp = path.join(dataDir, 'tmp');
    await mkdir(path.join(tmp, 'ingest-dead0'), { recursive: true });
    await writeFile(path.join(tmp, 'ingest-dead0', 'original'), new Uint8Array(1024));
    const leftAtKill = (await readdir(tmp)).filter((f) => f.startsWith('ingest-'));
    console.log(`crash recovery: ingest temp folders at the kill: ${leftAtKill.length}`);

    const again = startDev();
    try {
      await waitFor(again, 'local stack ready');
      const readyAt = Date.now();
      const conn = await pg();
      let statuses: { id: string; status: string; status_reason: string | null }[] = [];
      const deadline = Date.now() + 240_000;
      for (;;) {
        statuses = await query(
          conn.db,
          sql`select id, status, status_reason from assets where id = any(${`{${ids.map((i) => i.id).join(',')}}`}::uuid[])`,
        );
        if (statuses.length === ids.length && statuses.every((s) => FINAL.includes(s.status))) break;
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const allFinal = statuses.length === ids.length && statuses.every((s) => FINAL.includes(s.status));
      const startMs = /local stack ready in (\d+) ms/.exec(again.output())?.[1];
      console.log(
        `crash recovery: restarted stack ready in ${startMs} ms; ${allFinal ? 'all' : 'NOT all'} ${ids.length} assets final ${Date.now() - readyAt} ms after that`,
      );
      expect(
        statuses.filter((s) => s.status !== 'ready'),
        again.output().slice(-4000),
      ).toEqual([]);

      const derivs = await query<{ asset_id: string; kind: string; key: string; status: string }>(
        conn.db,
        sql`select asset_id, kind, key, status from derivatives where asset_id = any(${`{${ids.map((i) => i.id).join(',')}}`}::uuid[])`,
      );
      const jobs = await query<{ asset_id: string; type: string; status: string }>(
        conn.db,
        sql`select asset_id, type, status from jobs where asset_id = any(${`{${ids.map((i) => i.id).join(',')}}`}::uuid[])`,
      );
      const storage = s3();
      for (const { id, kind } of ids) {
        const mine = derivs.filter((d) => d.asset_id === id);
        const kinds = mine.map((d) => d.kind).sort();
        expect(new Set(kinds).size).toBe(kinds.length);
        if (kind === 'image') expect(kinds).toEqual([...IMAGE_VARIANTS].sort());
        if (kind === 'pdf') expect(kinds).toContain('preview.jpg');
        if (kind === 'video') expect(kinds).toEqual(expect.arrayContaining(['poster.jpg', 'preview.mp4']));
        expect(mine.every((d) => d.status === 'ready')).toBe(true);
        for (const d of mine) expect(await storage.head('derivatives', d.key), d.key).not.toBeNull();
        const types = jobs
          .filter((j) => j.asset_id === id)
          .map((j) => `${j.type}:${j.status}`)
          .sort();
        expect(types).toEqual(kind === 'video' ? ['ingest:succeeded', 'transcode:succeeded'] : ['ingest:succeeded']);
      }
      const dead = await query<{ n: number }>(conn.db, sql`select count(*)::int as n from local_queue.messages where dead_at is not null`);
      expect(dead[0]!.n).toBe(0);
      await conn.close();
      // No temp folder of the transcode or of the ingests that were killed.
      const tmpAfter = await readdir(tmp);
      expect(tmpAfter.filter((f) => f.startsWith('transcode-'))).toEqual([]);
      expect(tmpAfter.filter((f) => leftAtKill.includes(f))).toEqual([]);
      expect(again.output()).toMatch(/removed the temp folders of \d+ ingest job/);

      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      killGroup(again.child);
    }
  }, 480_000);
});
