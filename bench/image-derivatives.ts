/**
 * One 24 MP JPEG to the full image derivative set (4 widths x WebP + JPEG),
 * in one run: our sharp pipeline (`deriveImage`: one decode, 8 encodes, plus
 * the ThumbHash and EXIF read) vs Debian's ImageMagick 6 (/usr/bin/convert)
 * in several settings vs libvips' vipsthumbnail CLI. Each setting runs
 * `runs` times; the best wall time counts. Peak RSS: sharp runs in a child
 * Node process of its own (its `maxRSS`, so generating the input does not
 * count); the CLIs are measured by GNU time (`%M`), summed as the largest
 * single process when a setting runs several.
 *
 *   node --import tsx bench/image-derivatives.ts [runs=3]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { IMAGE_ENCODE, IMAGE_WIDTHS } from '../shared/profiles/image.ts';

const run = promisify(execFile);
const CONVERT = '/usr/bin/convert'; // Debian's; /usr/local/bin/convert may be something else
const VIPSTHUMBNAIL = '/usr/bin/vipsthumbnail';
const TIME = '/usr/bin/time';

if (process.argv[2] === '--sharp-worker') {
  // Child mode: only our pipeline in this process, so maxRSS is its own.
  const { deriveImage } = await import('../origin/processing/image.ts');
  const [file, runs] = [process.argv[3]!, Number(process.argv[4])];
  const times: number[] = [];
  let outputs = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await deriveImage(file, 'image/jpeg');
    times.push(performance.now() - t0);
    outputs = out.renditions.length;
  }
  console.log(JSON.stringify({ times, outputs, maxRssKiB: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const runs = Number(process.argv[2] ?? 3);
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-images-'));
const input = path.join(dir, 'photo-24mp.jpg');

interface Result {
  name: string;
  bestMs: number;
  peakRssMiB: number;
}

/** Runs `argv` lists under GNU time; wall time of the whole list, the largest max RSS of its processes. */
async function timed(commands: string[][]): Promise<{ ms: number; rssKiB: number }> {
  const t0 = performance.now();
  let rssKiB = 0;
  for (const argv of commands) {
    const { stderr } = await run(TIME, ['-f', 'RSS=%M', ...argv], { maxBuffer: 16 * 1024 * 1024 });
    rssKiB = Math.max(rssKiB, Number(/RSS=(\d+)/.exec(stderr)?.[1] ?? 0));
  }
  return { ms: performance.now() - t0, rssKiB };
}

async function cli(name: string, build: (out: string) => string[][]): Promise<Result> {
  let bestMs = Infinity;
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    const out = path.join(dir, `${name.replace(/\W+/g, '-')}-${i}`);
    await mkdir(out, { recursive: true });
    const { ms, rssKiB } = await timed(build(out));
    bestMs = Math.min(bestMs, ms);
    peak = Math.max(peak, rssKiB);
    for (const w of IMAGE_WIDTHS) for (const ext of ['jpg', 'webp']) await stat(path.join(out, `w${w}.${ext}`)); // every output exists
  }
  return { name, bestMs, peakRssMiB: peak / 1024 };
}

const jq = IMAGE_ENCODE.jpeg.quality;
const wq = IMAGE_ENCODE.webp.quality;

/** One ImageMagick process: decode (optionally DCT-scaled), shrink to 1024 once, clone per width. */
function magickOneProcess(out: string, opts: { jpegSize?: string; op: '-resize' | '-thumbnail' }): string[][] {
  const args = [
    CONVERT,
    ...(opts.jpegSize ? ['-define', `jpeg:size=${opts.jpegSize}`] : []),
    input,
    '-auto-orient',
    '-strip',
    opts.op,
    '1024x',
    '-write',
    'mpr:base',
    '+delete',
  ];
  IMAGE_WIDTHS.forEach((w, i) => {
    args.push('(', 'mpr:base', opts.op, `${w}x`, '-quality', String(jq), '-interlace', 'JPEG', '-write', path.join(out, `w${w}.jpg`));
    args.push(
      '-interlace',
      'none',
      '-quality',
      String(wq),
      '-define',
      `webp:method=${IMAGE_ENCODE.webp.effort}`,
      '-write',
      path.join(out, `w${w}.webp`),
    );
    // The last clone stays so that `null:` has an image to (not) write.
    args.push(...(i < IMAGE_WIDTHS.length - 1 ? ['+delete'] : []), ')');
  });
  args.push('null:');
  return [args];
}

try {
  // A photo-like 24 MP input: a smooth gradient with moderate noise (about the size a camera writes).
  const w = 6000;
  const h = 4000;
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#1d4e89"/><stop offset="0.5" stop-color="#f2c14e"/><stop offset="1" stop-color="#2a9d8f"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
  const noise = await sharp({
    create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 18 } },
  })
    .raw()
    .toBuffer();
  await sharp(gradient, { limitInputPixels: false })
    .composite([{ input: noise, raw: { width: w, height: h, channels: 3 }, blend: 'overlay' }])
    .jpeg({ quality: 90 })
    .toFile(input);
  const inputMB = (await stat(input)).size / 1e6;

  const results: Result[] = [];
  {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--sharp-worker', input, String(runs)],
      { maxBuffer: 1024 * 1024 },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { times: number[]; outputs: number; maxRssKiB: number };
    if (r.outputs !== IMAGE_WIDTHS.length * 2) throw new Error(`sharp made ${r.outputs} outputs`);
    results.push({
      name: 'sharp deriveImage (1 decode, 8 encodes, + thumbhash, EXIF)',
      bestMs: Math.min(...r.times),
      peakRssMiB: r.maxRssKiB / 1024,
    });
  }
  results.push(
    await cli('ImageMagick: 8 processes, -resize', (out) =>
      IMAGE_WIDTHS.flatMap((width) => [
        [
          CONVERT,
          input,
          '-auto-orient',
          '-strip',
          '-resize',
          `${width}x`,
          '-quality',
          String(jq),
          '-interlace',
          'JPEG',
          path.join(out, `w${width}.jpg`),
        ],
        [CONVERT, input, '-auto-orient', '-strip', '-resize', `${width}x`, '-quality', String(wq), path.join(out, `w${width}.webp`)],
      ]),
    ),
    await cli('ImageMagick: 1 process, full decode, -resize, clones', (out) => magickOneProcess(out, { op: '-resize' })),
    await cli('ImageMagick: 1 process, -define jpeg:size=2048x1365, -thumbnail', (out) =>
      magickOneProcess(out, { jpegSize: '2048x1365', op: '-thumbnail' }),
    ),
    await cli('ImageMagick: 1 process, -define jpeg:size=1024x683, -thumbnail', (out) =>
      magickOneProcess(out, { jpegSize: '1024x683', op: '-thumbnail' }),
    ),
    await cli('vipsthumbnail: 8 processes (shrink-on-load each)', (out) =>
      IMAGE_WIDTHS.flatMap((width) => [
        [VIPSTHUMBNAIL, input, '-s', `${width}x`, '-o', path.join(out, `w${width}.jpg[Q=${jq},interlace,strip]`)],
        [VIPSTHUMBNAIL, input, '-s', `${width}x`, '-o', path.join(out, `w${width}.webp[Q=${wq},strip]`)],
      ]),
    ),
  );

  const sharpMs = results[0]!.bestMs;
  const bestMagick = Math.min(...results.filter((r) => r.name.startsWith('ImageMagick')).map((r) => r.bestMs));
  console.log(
    `input: ${w}x${h} JPEG, ${inputMB.toFixed(1)} MB; outputs: widths ${IMAGE_WIDTHS.join('/')} x WebP q${wq} + JPEG q${jq}; best of ${runs}; node ${process.version}, ${os.cpus().length} cores`,
  );
  console.log('| setting | best ms | time / sharp | peak RSS MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of results)
    console.log(`| ${r.name} | ${r.bestMs.toFixed(0)} | ${(r.bestMs / sharpMs).toFixed(2)}x | ${r.peakRssMiB.toFixed(0)} |`);
  console.log(`sharp vs best ImageMagick: ${(bestMagick / sharpMs).toFixed(2)}x faster (goal >= 2x)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
