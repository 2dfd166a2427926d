/**
 * A 12 MP iPhone-sized photo (4032x3024) to the full image derivative set
 * (4 widths x WebP + JPEG, ThumbHash, EXIF), as HEIC vs the same picture as
 * a JPEG, in one run. Candidates for the HEVC decode:
 *
 *   - libheif-js 1.23 (wasm, from npm): what ingest runs, locally and in Lambda
 *     (`deriveImage` on the .heic; the decode alone is `decodeHeif`);
 *   - Debian's libheif 1.15 + libde265 (`heif-convert`, native, 2 threads):
 *     decode to a JPEG q95, then `deriveImage` on that JPEG.
 *
 * Node settings run in a child process each (its `maxRSS`, so making the
 * inputs does not count), `runs` times in that process; the first run pays
 * module loading and the wasm compile, the best counts. heif-convert is
 * measured by GNU time (`%M`).
 *
 *   node --import tsx bench/heic-derivatives.ts [runs=3]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const TIME = '/usr/bin/time';

if (process.argv[2] === '--worker') {
  // Child mode: one setting in this process, so maxRSS is its own.
  const [mode, file, runs] = [process.argv[3]!, process.argv[4]!, Number(process.argv[5])];
  const { deriveImage } = await import('../origin/processing/image.ts');
  const { decodeHeif } = await import('../origin/processing/heif.ts');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    if (mode === 'decode') await decodeHeif(await readFile(file));
    else await deriveImage(file, mode);
    times.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ times, maxRssKiB: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const runs = Number(process.argv[2] ?? 3);
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-heic-'));
const self = fileURLToPath(import.meta.url);

async function worker(mode: string, file: string) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--worker', mode, file, String(runs)], {
    maxBuffer: 1024 * 1024,
  });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { times: number[]; maxRssKiB: number };
  return { firstMs: r.times[0]!, bestMs: Math.min(...r.times), rssMiB: r.maxRssKiB / 1024 };
}

async function heifConvert(heic: string) {
  const out = path.join(dir, 'converted.jpg');
  let best = Infinity;
  let rssKiB = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const { stderr } = await run(TIME, ['-f', 'RSS=%M', 'heif-convert', '-q', '95', heic, out]);
    best = Math.min(best, performance.now() - t0);
    rssKiB = Math.max(rssKiB, Number(/RSS=(\d+)/.exec(stderr)?.[1] ?? 0));
  }
  return { out, bestMs: best, rssMiB: rssKiB / 1024 };
}

try {
  // A photo-like picture: test pattern plus film grain, so neither codec gets it for free.
  const png = path.join(dir, 'photo.png');
  const jpeg = path.join(dir, 'photo.jpg');
  const heic = path.join(dir, 'photo.heic');
  await run('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=4032x3024,noise=alls=12:allf=t',
    '-frames:v',
    '1',
    '-y',
    png,
  ]);
  await sharp(png).jpeg({ quality: 90 }).toFile(jpeg);
  await run('heif-enc', ['-q', '60', '-o', heic, png]);
  const sizes = { jpeg: (await stat(jpeg)).size, heic: (await stat(heic)).size };

  const baseline = await worker('image/jpeg', jpeg);
  const wasm = await worker('image/heic', heic);
  const decodeOnly = await worker('decode', heic);
  const native = await heifConvert(heic);
  const afterNative = await worker('image/jpeg', native.out);

  const fmt = (ms: number) => Math.round(ms);
  const ratio = (ms: number) => `${(ms / baseline.bestMs).toFixed(2)}x`;
  const rows = [
    ['JPEG q90 → derivative set (`deriveImage`, baseline)', baseline.firstMs, baseline.bestMs, baseline.rssMiB],
    ['HEIC → derivative set, libheif-js wasm (`deriveImage`, what ingest runs)', wasm.firstMs, wasm.bestMs, wasm.rssMiB],
    ['  of which the HEVC decode alone (`decodeHeif`)', decodeOnly.firstMs, decodeOnly.bestMs, decodeOnly.rssMiB],
    ['HEIC → JPEG q95 by Debian heif-convert (native libde265), decode only', native.bestMs, native.bestMs, native.rssMiB],
    [
      'HEIC via heif-convert + `deriveImage` of its JPEG (sum)',
      native.bestMs + afterNative.bestMs,
      native.bestMs + afterNative.bestMs,
      Math.max(native.rssMiB, afterNative.rssMiB),
    ],
  ] as const;
  console.log(`input 4032x3024: JPEG ${(sizes.jpeg / 1e6).toFixed(2)} MB, HEIC ${(sizes.heic / 1e6).toFixed(2)} MB; best of ${runs}`);
  console.log('| setting | first ms | best ms | best / JPEG | peak RSS MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, first, best, rss] of rows)
    console.log(`| ${name} | ${fmt(first)} | ${fmt(best)} | ${ratio(best)} | ${Math.round(rss)} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
