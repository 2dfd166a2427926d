/**
 * `npm run upload -- <file...>`: uploads files to the platform through the
 * edge, the way a large-file client should.
 *
 * Authenticates with an API key (MEDIA_API_KEY, scope `uploads`) or logs in
 * (MEDIA_EMAIL / MEDIA_PASSWORD or --email / --password, against
 * MEDIA_ENDPOINT or --endpoint, default http://127.0.0.1:8787), sends each
 * file with the multipart endpoints, 4 parts in flight, streaming from disk,
 * with a progress bar; an interrupted run (Ctrl-C, a crash, a lost network)
 * resumes where it stopped when run again with the same file (state in
 * ~/.media-upload-state.json, or --state / MEDIA_UPLOAD_STATE). Then waits
 * for processing and prints the media URL, or why it failed.
 *
 *   npm run upload -- [--parallel 4] [--limit-rate 20M] [--checksum] [--no-wait] [--verbose] <file...>
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EdgeApi, EdgeError, type AssetStatus } from './upload-client/edge-api.ts';
import { uploadFile } from './upload-client/multipart-upload.ts';
import { ProgressBar } from './upload-client/progress.ts';
import { ResumeState } from './upload-client/resume-state.ts';
import { RAW_EXTENSION_TYPES } from '../shared/profiles/image.ts';
import { Throttle } from './upload-client/throttle.ts';

const USAGE = `usage: npm run upload -- [options] <file...>
  --endpoint URL      edge URL (MEDIA_ENDPOINT, default http://127.0.0.1:8787)
  --email EMAIL       account (MEDIA_EMAIL)
  --password PW       password (MEDIA_PASSWORD)
  (or MEDIA_API_KEY   an API key with the uploads scope, instead of email and password)
  --parallel N        parts in flight (default 4)
  --limit-rate RATE   bytes per second over all parts, e.g. 500K, 20M
  --checksum          send the file's SHA-256; the pipeline verifies the stored bytes
  --state FILE        resume state (MEDIA_UPLOAD_STATE, default ~/.media-upload-state.json)
  --no-wait           do not wait for processing
  --wait-timeout S    seconds to wait for processing (default 900)
  --verbose           a line per part`;

const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  ...RAW_EXTENSION_TYPES,
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  pdf: 'application/pdf',
  txt: 'text/plain',
  json: 'application/json',
  zip: 'application/zip',
};
const typeOf = (file: string) => TYPES[path.extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream';

function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(s);
  if (!m) throw new Error(`--limit-rate: not a rate: ${s}`);
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]!;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForProcessing(api: EdgeApi, assetId: string, timeoutMs: number): Promise<AssetStatus> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 500; ; delay = Math.min(3000, delay * 1.5)) {
    const s = await api.status(assetId).catch((err: unknown) => {
      if (err instanceof EdgeError && err.transient) return null;
      throw err;
    });
    if (s && ['ready', 'failed', 'blocked'].includes(s.status)) return s;
    if (Date.now() > deadline) return s ?? { assetId, status: 'processing' };
    await sleep(delay);
  }
}

function mediaUrl(endpoint: string, s: AssetStatus): string {
  const best =
    s.derivatives?.find((d) => d.status === 'ready' && d.variant === 'hls/master.m3u8') ??
    s.derivatives?.find((d) => d.status === 'ready' && d.variant === 'w1024.webp');
  return `${endpoint}/m/${s.assetId}/original${best ? ` (also ${endpoint}${best.url})` : ''}`;
}

export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals: files } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      parallel: { type: 'string', default: '4' },
      'limit-rate': { type: 'string' },
      checksum: { type: 'boolean', default: false },
      state: { type: 'string' },
      'no-wait': { type: 'boolean', default: false },
      'wait-timeout': { type: 'string', default: '900' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const email = v.email ?? process.env.MEDIA_EMAIL;
  const password = v.password ?? process.env.MEDIA_PASSWORD;
  const apiKey = v.email || v.password ? undefined : process.env.MEDIA_API_KEY || undefined;
  const parallel = Number(v.parallel);
  if (
    v.help ||
    files.length === 0 ||
    (!apiKey && (!email || !password)) ||
    !(Number.isInteger(parallel) && parallel >= 1 && parallel <= 16)
  ) {
    console.error(v.help ? USAGE : `${USAGE}\n\nneeds at least one file, an API key or an email and a password; --parallel 1..16`);
    return v.help ? 0 : 2;
  }
  const endpoint = v.endpoint ?? process.env.MEDIA_ENDPOINT ?? 'http://127.0.0.1:8787';
  const api = new EdgeApi(apiKey ? { endpoint, apiKey } : { endpoint, email: email!, password: password! });
  const state = await ResumeState.open(v.state ?? process.env.MEDIA_UPLOAD_STATE ?? path.join(os.homedir(), '.media-upload-state.json'));
  const throttle = v['limit-rate'] ? new Throttle(parseRate(v['limit-rate'])) : undefined;
  await api.login();

  let failures = 0;
  for (const file of files) {
    const name = path.basename(file);
    try {
      const sha256 = v.checksum ? await sha256Of(file) : undefined;
      let bar: ProgressBar | undefined;
      const result = await uploadFile({
        api,
        file,
        contentType: typeOf(file),
        state,
        concurrency: parallel,
        ...(sha256 ? { sha256 } : {}),
        ...(throttle ? { throttle } : {}),
        onPlan: (p) => {
          if (p.resumed) console.log(`${name}: resuming, ${p.stored.length} of ${p.partCount} parts already stored`);
          bar = new ProgressBar({ label: name, total: p.size });
          bar.skip(p.storedBytes);
        },
        onBytes: (d) => bar?.add(d),
        onPart: (n, count) => {
          if (v.verbose) console.log(`${name}: part ${n}/${count} stored`);
        },
      });
      bar?.finish();
      console.log(
        `${name}: uploaded as ${result.assetId} (${result.sent.length} parts sent${result.resumed.length ? `, ${result.resumed.length} resumed` : ''})`,
      );
      if (v['no-wait']) continue;
      const s = await waitForProcessing(api, result.assetId, Number(v['wait-timeout']) * 1000);
      if (s.status === 'ready') console.log(`${name}: ready ${mediaUrl(api.endpoint, s)}`);
      else if (s.status === 'failed' || s.status === 'blocked') {
        failures++;
        console.log(`${name}: ${s.status}: ${s.reason ?? 'no reason given'}`);
      } else console.log(`${name}: still ${s.status} after the wait; check ${api.endpoint}/api/assets/${s.assetId}/status`);
    } catch (err) {
      failures++;
      console.error(`${name}: upload failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
