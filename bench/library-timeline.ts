/**
 * The library page in Chromium against the local stack with 10,000 assets:
 * the timeline (`/`, web/src/library/) side by side with the flat grid it
 * replaced (`/?layout=grid`: the earlier page's code, kept behind the flag,
 * same bundle, same data). Per layout:
 *  - time to first thumbnail: navigation start to the end of the first
 *    thumbnail's response (`/m/...`), once one `.thumb` shows its image;
 *  - scrolling: the window scrolled 600 px per animation frame for 400
 *    frames; long tasks (PerformanceObserver `longtask`, > 50 ms) and the
 *    frame rate over that time, then items loaded and DOM nodes;
 * and the first load's bytes (index.html's script and style, raw and gzip).
 *
 * Seeding (not measured): 10,000 ready image rows for one user straight into
 * the stack's PGlite, five a day (EXIF takenAt), with mixed shapes and one
 * shared 320 px WebP stored per asset (the media route derives the object key
 * from the asset id, so each asset gets the same bytes under its own key).
 *
 *   node --import tsx bench/library-timeline.ts [assets=10000] [frames=400]
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { freePort } from '../local/ports.ts';
import { startLocalStack } from '../local/stack.ts';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import { derivativeKey } from '../shared/storage/keys.ts';

const N = Number(process.argv[2] ?? 10_000);
const FRAMES = Number(process.argv[3] ?? 400);
const PASSWORD = 'correct horse battery staple';
const log = (s: string) => console.log(s);

/** Scrolls 600 px per animation frame for FRAMES frames; the time taken and the long tasks meanwhile. */
const SCROLL = `(async () => {
  const w = window;
  w.__longTasks.length = 0;
  const start = performance.now();
  let n = 0;
  await new Promise((resolve) => {
    function step() {
      window.scrollBy(0, 600);
      if (++n >= FRAMES) resolve();
      else requestAnimationFrame(step);
    }
    requestAnimationFrame(step);
  });
  const ms = performance.now() - start;
  // Let the last page requests and renders finish into the counts.
  await new Promise((r) => setTimeout(r, 1000));
  return { ms, longTasks: [...w.__longTasks] };
})()`;

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-timeline-'));
const edgePort = await freePort();
const url = `http://127.0.0.1:${edgePort}`;
const config = parseConfig(devConfigSchema, {
  DATA_DIR: dataDir,
  EDGE_PORT: String(edgePort),
  S3_PORT: '0',
  PG_PORT: '0',
  PG_WS_PORT: '0',
  CORS_ORIGINS: url,
});
const t0 = performance.now();
const stack = await startLocalStack(config, { log: () => {} });
log(`stack ready in ${Math.round(performance.now() - t0)} ms`);

try {
  // ---- seed ----
  const email = `bench-${crypto.randomUUID()}@example.test`;
  const reg = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email, password: PASSWORD, name: 'Bench' }),
  });
  if (reg.status !== 201) throw new Error(`register ${reg.status}`);
  const { accessToken } = (await reg.json()) as { accessToken: string };
  const { user: me } = (await (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as {
    user: { id: string };
  };
  const db = stack.postgres.handle.db;
  const t1 = performance.now();
  const ids = (await db.execute(sql`insert into assets (owner_id, filename, declared_type, size, status, metadata, created_at)
    select ${me.id}::uuid, 'seed-' || lpad(i::text, 5, '0') || '.jpg', 'image/jpeg', 1000, 'ready',
      jsonb_build_object(
        'takenAt', to_char(timestamp '2025-12-31 12:00:00' - ((i / 5) || ' days')::interval - (i % 5 || ' minutes')::interval, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'width', (array[4000, 3000, 1920, 1080])[1 + i % 4], 'height', (array[3000, 4000, 1080, 1920])[1 + i % 4]),
      -- Upload order is the reverse of taken order, as for an imported archive.
      now() - ((${N} - i) || ' seconds')::interval
    from generate_series(0, ${N - 1}) as i returning id`)) as unknown as { rows: { id: string }[] };
  await db.execute(sql`insert into derivatives (asset_id, kind, key, content_type, width, height, size, status)
    select a.id, 'w320.webp', a.id || '/w320.webp', 'image/webp', 320, 240, 1000, 'ready' from assets a where a.owner_id = ${me.id}::uuid`);
  const webp = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .webp()
    .toBuffer();
  const s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
  });
  let next = 0;
  const put = async () => {
    while (next < ids.rows.length) {
      const id = ids.rows[next++]!.id;
      await s3.send(
        new PutObjectCommand({
          Bucket: config.S3_BUCKET_DERIVATIVES,
          Key: derivativeKey(id, 'w320.webp'),
          Body: webp,
          ContentType: 'image/webp',
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, put));
  log(`seeded ${ids.rows.length} assets (+ thumbnails) in ${Math.round(performance.now() - t1)} ms`);

  // ---- first-load bytes ----
  const webDir = path.join(dataDir, 'web');
  const html = await readFile(path.join(webDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  let raw = 0;
  let gz = 0;
  for (const ref of refs) {
    const bytes = await readFile(path.join(webDir, ref));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  const chunks = (await readdir(path.join(webDir, 'static'))).filter((f) => f.endsWith('.js'));
  let allJs = 0;
  for (const f of chunks) allJs += (await stat(path.join(webDir, 'static', f))).size;
  log(
    `first load (${refs.join(', ')}): ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip; all JS chunks ${(allJs / 1024).toFixed(1)} KiB`,
  );

  // ---- the browser ----
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    } catch {
      // No longtask entries in this browser: the counts read 0.
    }
  });
  const page = await ctx.newPage();
  await page.goto(`${url}/login?next=%2F`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/`);

  interface Result {
    layout: string;
    firstThumbMs: number;
    longTasks: number;
    longTaskMs: number;
    fps: number;
    scrollMs: number;
    loaded: number;
    nodes: number;
    thumbs: number;
  }

  const measure = async (p: Page, layout: string, query: string): Promise<Result> => {
    await p.goto(`${url}/${query}`);
    await p.waitForSelector('.thumb[data-state="loaded"]', { timeout: 120_000 });
    // When the first thumbnail's bytes had arrived, from navigation start (the image then decodes and fades in).
    const firstThumbMs = await p.evaluate(() =>
      Math.min(
        ...performance
          .getEntriesByType('resource')
          .filter((e) => new URL(e.name).pathname.startsWith('/m/'))
          .map((e) => (e as PerformanceResourceTiming).responseEnd),
      ),
    );
    await p.waitForTimeout(500);
    // A string, not a function: tsx's name helpers (`__name`) do not exist in the page.
    const scroll = (await p.evaluate(SCROLL.replace('FRAMES', String(FRAMES)))) as { ms: number; longTasks: number[] };
    const counts = await p.evaluate(() => ({
      nodes: document.getElementsByTagName('*').length,
      thumbs: document.querySelectorAll('.thumb').length,
      loaded: Number(
        document.querySelector('.tl-canvas')?.getAttribute('data-loaded') ?? document.querySelectorAll('.asset-grid > li').length,
      ),
    }));
    return {
      layout,
      firstThumbMs: Math.round(firstThumbMs),
      longTasks: scroll.longTasks.length,
      longTaskMs: Math.round(scroll.longTasks.reduce((a, b) => a + b, 0)),
      fps: Math.round((FRAMES / scroll.ms) * 1000),
      scrollMs: Math.round(scroll.ms),
      ...counts,
    };
  };

  const results: Result[] = [];
  // Each layout twice, alternating, so a warm cache or a loaded moment favours neither.
  for (let round = 0; round < 2; round++) {
    results.push(await measure(page, 'grid (old)', '?layout=grid'));
    results.push(await measure(page, 'timeline', ''));
  }
  log(
    `\n| layout | first thumbnail ms | long tasks while scrolling (count / total ms) | frames/s | items loaded | DOM nodes | .thumb nodes |`,
  );
  log('|---|---|---|---|---|---|---|');
  for (const r of results)
    log(`| ${r.layout} | ${r.firstThumbMs} | ${r.longTasks} / ${r.longTaskMs} | ${r.fps} | ${r.loaded} | ${r.nodes} | ${r.thumbs} |`);
  const avg = (layout: string, k: keyof Result) => {
    const xs = results.filter((r) => r.layout === layout).map((r) => Number(r[k]));
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const ratio = (k: keyof Result) => (avg('timeline', k) / Math.max(1, avg('grid (old)', k))).toFixed(2);
  log(
    `\ntimeline / grid: first thumbnail ${ratio('firstThumbMs')}x, long tasks ${ratio('longTasks')}x, DOM nodes ${ratio('nodes')}x, items loaded ${ratio('loaded')}x`,
  );
  await browser.close();
} finally {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
}
