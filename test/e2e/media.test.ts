/**
 * Phone and camera files in Chromium against the local stack with the real
 * pipeline: a portrait HEIC (irot + GPS, made by heif-enc and exiftool), an
 * MP3 and a BMP are uploaded through the API; the browser shows the HEIC
 * upright from its srcset with its camera and place, plays the MP3's AAC
 * preview under its waveform, and says why the BMP has no preview.
 *
 * Video before its ladder: the local transcoder holds an asset's ladder
 * while a file named by its id is in the stack's `holdDir` (a hook in the
 * real transcoder, after the quick phase was published), so "plays while
 * the ladder is incomplete" is a fact of the test, not a race: an H.264 MP4
 * plays from its progressive copy, an HEVC MP4 from the 360p rung, while
 * the asset is still processing. Subtitles attached meanwhile show as a
 * <track> (progressive) and as an hls.js subtitle track (HLS), and ffprobe
 * finds the master playlist's subtitle rendition through the edge.
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { audioFile, bmp, heic, videoClip } from '../node/support/media-fixtures.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;
let ctx: BrowserContext;
let page: Page;
const user = { email: `media-${crypto.randomUUID()}@example.test`, password: 'correct horse battery staple', token: '' };
const ids = { heic: '', mp3: '', bmp: '' };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      origin: stack.url,
      ...(user.token ? { authorization: `Bearer ${user.token}` } : {}),
      ...init.headers,
    },
  });
}

async function upload(filename: string, contentType: string, bytes: Buffer, opts: { holdLadder?: boolean } = {}): Promise<string> {
  const res = await api('/api/uploads', { method: 'POST', body: JSON.stringify({ filename, size: bytes.length, contentType }) });
  if (res.status !== 201) throw new Error(`upload start: ${res.status} ${await res.text()}`);
  const start = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
  // Before the bytes exist: the transcoder will hold the ladder after the quick phase.
  if (opts.holdLadder) await writeFile(path.join(stack.holdDir, start.assetId), '');
  const put = await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`upload PUT: ${put.status} ${await put.text()}`);
  return start.assetId;
}

async function settled(assetId: string, timeoutMs: number): Promise<{ status: string; reason?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await api(`/api/assets/${assetId}/status`)).json()) as { status: string; reason?: string };
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`asset ${assetId} still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  const mark = (what: string) => process.env.E2E_DEBUG && console.error(`media e2e: ${what} at ${Date.now() - t0} ms`);
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
  mark('stack up');
  const reg = await api('/api/auth/register', {
    method: 'POST',
    body: JSON.stringify({ email: user.email, password: user.password, name: 'Media' }),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  user.token = ((await reg.json()) as { accessToken: string }).accessToken;
  const [photo, song, bitmap] = await Promise.all([
    heic({ width: 900, height: 600, irot: 3, exifOrientation: 6 }),
    audioFile('mp3', 3),
    bmp(),
  ]);
  ids.heic = await upload('IMG_0001.HEIC', 'image/heic', photo);
  ids.mp3 = await upload('tone.mp3', 'audio/mpeg', song);
  ids.bmp = await upload('paint.bmp', 'image/bmp', bitmap);
  mark('uploaded');
  ctx = await b.context();
  page = await ctx.newPage();
  await page.goto(`${stack.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/`);
  const states = await Promise.all(Object.values(ids).map((id) => settled(id, 240_000)));
  expect(states.map((s) => s.status)).toEqual(['ready', 'ready', 'ready']);
}, 300_000);

afterAll(async () => {
  // A failed test must not leave a ladder held (the stack serves the worker's next files).
  for (const id of held) await rm(path.join(stack.holdDir, id), { force: true });
  await ctx?.close();
  await b?.close();
  await stack?.close();
});

test('the HEIC shows upright from its srcset, with camera and GPS', async () => {
  await page.goto(`${stack.url}/assets/${ids.heic}`);
  const img = page.locator('.image-viewer img');
  await img.waitFor();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  const size = await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
  expect(size[1]).toBeGreaterThan(size[0]!); // portrait, as irot says
  expect(await img.evaluate((el: HTMLImageElement) => el.currentSrc)).toMatch(/\/m\/[0-9a-f-]+\/w\d+\.(webp|jpg)\?t=/);
  const details = page.locator('.metadata-panel');
  await expect.poll(() => details.getByText('iPhone 15').count()).toBe(1);
  expect(await details.getByText('600 × 900 px').isVisible()).toBe(true);
  expect(await page.locator('.preview-note').count()).toBe(0);
  await screenshot(page, 'asset-heic');
});

test('the MP3 shows its waveform and plays its AAC preview', async () => {
  await page.goto(`${stack.url}/assets/${ids.mp3}`);
  const wave = page.locator('.audio-player img.waveform');
  await wave.waitFor();
  await expect.poll(() => wave.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(1024);
  const audio = page.locator('.audio-player audio');
  expect(await audio.getAttribute('src')).toMatch(/\/m\/[0-9a-f-]+\/preview\.mp4\?t=/);
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(3);
  await audio.evaluate(async (a: HTMLAudioElement) => {
    a.muted = true;
    await a.play();
  });
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
  await audio.evaluate((a: HTMLAudioElement) => a.pause());
  const details = page.locator('.metadata-panel');
  await expect.poll(() => details.getByText('The Testers').count()).toBe(1);
  await screenshot(page, 'asset-audio');
});

test('the BMP says why it has no preview', async () => {
  await page.goto(`${stack.url}/assets/${ids.bmp}`);
  const note = page.locator('.preview-note');
  await note.waitFor();
  expect(await note.textContent()).toBe('No preview: image/bmp has no decoder here; the original is stored as it is');
  const detail = (await (await api(`/api/assets/${ids.bmp}`)).json()) as { status: string; statusReason: string };
  expect(detail).toMatchObject({
    status: 'ready',
    statusReason: 'no_preview: image/bmp has no decoder here; the original is stored as it is',
  });
});

test('a view link to the MP3 shows the waveform and plays the preview, with no download', async () => {
  const res = await api('/api/share-links', {
    method: 'POST',
    body: JSON.stringify({ resourceType: 'asset', resourceId: ids.mp3, permission: 'view' }),
  });
  expect(res.status).toBe(201);
  const link = (await res.json()) as { url: string };
  const token = /^\/s\/([^/]+)\/$/.exec(link.url)![1];
  const anon = await (await b.context()).newPage();
  await anon.goto(`${stack.url}/share/${token}`);
  const audio = anon.locator('.share-audio audio');
  await audio.waitFor();
  expect(await anon.locator('.share-video').count()).toBe(0);
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(3);
  const wave = anon.locator('.share-audio img.waveform');
  await expect.poll(() => wave.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(1024);
  expect(await anon.getByRole('link', { name: /Download/ }).count()).toBe(0);
  await anon.close();
});

const held = new Set<string>();
const exec = promisify(execFile);
const SRT = '1\n00:00:01,000 --> 00:00:03,500\nHello from the <i>subtitles</i>\n\n2\n00:00:03,600 --> 00:00:04,000\nBye\n';

interface Detail {
  status: string;
  playable: boolean;
  derivatives: { kind: string; status: string }[];
  media: { variant: string; url: string }[];
}
const detailOf = async (id: string) => (await (await api(`/api/assets/${id}`)).json()) as Detail;

/** When the asset is playable and (with `master`) its master playlist exists: the quick phase is done. */
async function whenPlayable(id: string, opts: { master?: boolean } = {}): Promise<Detail> {
  const until = Date.now() + 240_000;
  for (;;) {
    const d = await detailOf(id);
    if (d.playable && (!opts.master || d.media.some((m) => m.variant === 'hls/master.m3u8'))) return d;
    if (d.status === 'failed' || Date.now() > until) throw new Error(`asset ${id} not playable: ${d.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The master playlist as the edge serves it now (its variants and subtitle renditions). */
async function masterNow(d: Detail): Promise<{ url: string; variants: string[]; subtitles: string[] }> {
  const url = `${stack.url}${d.media.find((m) => m.variant === 'hls/master.m3u8')!.url}`;
  const text = await (await fetch(url)).text();
  const lines = text.split('\n');
  return {
    url,
    variants: lines.filter((_, i) => i > 0 && lines[i - 1]!.startsWith('#EXT-X-STREAM-INF')).map((l) => l.split('?')[0]!),
    subtitles: lines.filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES')).map((l) => /LANGUAGE="([^"]+)"/.exec(l)![1]!),
  };
}

async function attachEnglish(id: string): Promise<void> {
  const res = await api(`/api/assets/${id}/subtitles/en`, { method: 'PUT', body: JSON.stringify({ label: 'English', content: SRT }) });
  expect(res.status).toBe(200);
}

/** Plays muted from the start and waits until the time advances: the browser decodes what it was given. */
async function playsInBrowser(video: ReturnType<Page['locator']>): Promise<void> {
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 60_000 }).toBeGreaterThan(0.5);
}

/** Chooses English in the captions menu and returns the showing track's cues (start, text). */
async function englishCues(p: Page): Promise<{ start: number; text: string }[]> {
  const menu = p.getByTestId('captions-menu');
  await expect.poll(() => menu.locator('option', { hasText: 'English' }).count(), { timeout: 30_000 }).toBe(1);
  await menu.selectOption({ label: 'English' });
  const video = p.locator('.video-player video');
  const cues = () =>
    video.evaluate((v: HTMLVideoElement) => {
      const t = [...v.textTracks].find((x) => x.mode === 'showing' && x.label === 'English');
      return t?.cues ? [...t.cues].map((c) => ({ start: c.startTime, text: (c as VTTCue).text })) : [];
    });
  await expect.poll(async () => (await cues()).length, { timeout: 30_000 }).toBe(2);
  return cues();
}

async function release(id: string): Promise<void> {
  await rm(path.join(stack.holdDir, id), { force: true });
  held.delete(id);
}

test('an H.264 upload plays from progressive.mp4 while its ladder is held, with subtitles as a <track>', async () => {
  const id = await upload('clip.mp4', 'video/mp4', await videoClip('h264'), { holdLadder: true });
  held.add(id);
  try {
    // The lowest rung is published after the progressive copy; the ladder is held after it.
    const d = await whenPlayable(id, { master: true });
    await attachEnglish(id);
    await page.goto(`${stack.url}/assets/${id}`);
    const video = page.locator('.video-player video');
    await video.waitFor();
    expect(await video.evaluate((v: HTMLVideoElement) => v.currentSrc)).toMatch(/\/progressive\.mp4\?t=/);
    await playsInBrowser(video);
    // While it played: still processing, nothing of the ladder pass exists, the master names the 360p rung only.
    const now = await detailOf(id);
    expect(now.status).toBe('processing');
    expect(now.derivatives.map((x) => x.kind)).not.toContain('preview.mp4');
    expect(now.derivatives.map((x) => x.kind)).not.toContain('storyboard.vtt');
    expect((await masterNow(d)).variants).toEqual(['master_360p.m3u8']);
    expect(await page.getByTestId('ladder-pending').isVisible()).toBe(true);
    expect(await page.locator('.video-player video track[kind="subtitles"]').getAttribute('srclang')).toBe('en');
    const cues = await englishCues(page);
    expect(cues[0]).toEqual({ start: 1, text: 'Hello from the <i>subtitles</i>' });
  } finally {
    // The transcoder runs one job at a time: a held ladder would hold the next test's too.
    await release(id);
  }
  expect((await settled(id, 240_000)).status).toBe('ready');
}, 600_000);

test('an HEVC upload plays from the 360p rung before the higher rungs exist; hls.js and ffprobe see the subtitles, the full master keeps them', async () => {
  const id = await upload('phone.mp4', 'video/mp4', await videoClip('hevc'), { holdLadder: true });
  held.add(id);
  let d: Detail;
  try {
    d = await whenPlayable(id, { master: true });
    expect(d.derivatives.map((x) => x.kind)).not.toContain('progressive.mp4');
    await attachEnglish(id);
    const before = await masterNow(d);
    expect(before).toMatchObject({ variants: ['master_360p.m3u8'], subtitles: ['en'] });
    // A foreign reader, Debian's ffprobe 5.1, through the edge with the master's token: its HLS
    // demuxer finds the subtitle rendition (it names it; reading WebVTT renditions came in later
    // ffmpeg releases) and still reads the rung; its WebVTT demuxer reads the stored file.
    const probe = await exec('ffprobe', ['-v', 'verbose', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', before.url]);
    expect(probe.stderr).toMatch(/subtitle\(uri: subs\/en\.m3u8\?t=/);
    expect(probe.stdout.split('\n')).toEqual(expect.arrayContaining(['video', 'audio']));
    const listed = (await (await api(`/api/assets/${id}/subtitles`)).json()) as { items: { url: string }[] };
    const vtt = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      `${stack.url}${listed.items[0]!.url}`,
    ]);
    expect(vtt.stdout.trim()).toBe('webvtt');

    await page.goto(`${stack.url}/assets/${id}`);
    const video = page.locator('.video-player video');
    await video.waitFor();
    await playsInBrowser(video);
    const now = await detailOf(id);
    expect(now.status).toBe('processing');
    expect((await masterNow(d)).variants).toEqual(['master_360p.m3u8']);
    // Stock hls.js lists the rendition; its cues line up with the video's clock (X-TIMESTAMP-MAP).
    const cues = await englishCues(page);
    expect(cues.map((c) => c.text)).toEqual(['Hello from the <i>subtitles</i>', 'Bye']);
    expect(Math.abs(cues[0]!.start - 1)).toBeLessThan(0.1);
    await screenshot(page, 'asset-video-captions');
  } finally {
    await release(id);
  }
  expect((await settled(id, 240_000)).status).toBe('ready');
  const after = await masterNow(d!);
  expect(after.variants).toEqual(['master_360p.m3u8', 'master_540p.m3u8']);
  expect(after.subtitles).toEqual(['en']);
}, 600_000);

test('no console errors on any page', () => {
  expect(b.errors).toEqual([]);
});
