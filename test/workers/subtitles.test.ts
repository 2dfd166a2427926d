/**
 * Subtitles through the edge: attach (edit), list (view), remove (edit);
 * the master playlist lists them for every way of watching (Bearer, media
 * token, share link) with the caller's credential carried into their URIs;
 * nobody below edit changes them, and nobody without view reads them.
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetSubtitles, grants } from '../../shared/db/schema.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import { signAccessToken, signMediaToken } from '../../shared/tokens/index.ts';
import { bearer, config, createAsset, createUser, keys, party, putVariant, storage, uid, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const MASTER =
  '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nmaster_360p.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=960x540\nmaster_540p.m3u8\n';
const SRT = '1\n00:00:01,000 --> 00:00:02,000\nHello <i>world</i>\n\n2\n00:00:03,000 --> 00:00:04,000\n<font color="red">Bye</font>\n';

let owner: string;
let viewer: string;
let editor: string;
let stranger: string;
let video: string;
let photo: string;

const base = 'http://edge.test';
const put = async (assetId: string, language: string, body: unknown, auth: Record<string, string>) =>
  SELF.fetch(`${base}/api/assets/${assetId}/subtitles/${language}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const del = async (assetId: string, language: string, auth: Record<string, string>) =>
  SELF.fetch(`${base}/api/assets/${assetId}/subtitles/${language}`, { method: 'DELETE', headers: auth });
const list = async (assetId: string, auth: Record<string, string>) =>
  SELF.fetch(`${base}/api/assets/${assetId}/subtitles`, { headers: auth });
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; requestId: string; details?: { reason?: string } } }).error;
const rows = (assetId: string) => withDb((db) => db.select().from(assetSubtitles).where(eq(assetSubtitles.assetId, assetId)));
const stored = async (assetId: string, variant: string) => {
  const res = await storage.get(config.S3_BUCKET_DERIVATIVES, derivativeKey(assetId, variant));
  return res ? res.text() : null;
};
const mediaLines = (playlist: string) => playlist.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'));
const uriOf = (line: string) => /URI="([^"]+)"/.exec(line)![1]!;

async function grant(assetId: string, userId: string, permission: 'view' | 'edit') {
  await withDb((db) =>
    db
      .insert(grants)
      .values({ resourceType: 'asset', resourceId: assetId, principalType: 'user', principalId: userId, permission, grantedBy: owner }),
  );
}

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'subtitler');
    viewer = await createUser(db, 'viewer');
    editor = await createUser(db, 'editor');
    stranger = await createUser(db, 'stranger');
    video = await createAsset(db, owner, {
      filename: 'film.mp4',
      declaredType: 'video/mp4',
      detectedType: 'video/mp4',
      metadata: { video: { durationSec: 30 } },
    });
    photo = await createAsset(db, owner, { detectedType: 'image/jpeg' });
  });
  await grant(video, viewer, 'view');
  await grant(video, editor, 'edit');
  await putVariant(video, 'hls/master.m3u8', MASTER, 'application/vnd.apple.mpegurl');
});

describe('attaching subtitles', () => {
  it('stores an SRT as WebVTT under hls/subs/, lists it with a working <track> URL, and the master names it', async () => {
    const res = await put(video, 'en', { label: 'English', content: SRT }, await bearer(owner));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { language: string; label: string; cues: number; url: string };
    expect(body).toMatchObject({ language: 'en', label: 'English', cues: 2 });
    expect(await stored(video, 'hls/subs/en.vtt')).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.000\nHello <i>world</i>\n\n00:00:03.000 --> 00:00:04.000\nBye\n',
    );
    expect(await stored(video, 'hls/subs/en.m3u8')).toContain('#EXTINF:30.000,\nen.vtt\n');

    // The viewer lists it and the signed URL serves the file (as a <track> would fetch it).
    const listed = await list(video, await bearer(viewer));
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: { language: string; url: string }[] };
    expect(items.map((i) => i.language)).toEqual(['en']);
    const track = await SELF.fetch(`${base}${items[0]!.url}`);
    expect(track.status).toBe(200);
    expect(track.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(await track.text()).toContain('Hello <i>world</i>');
    // That URL opens the subtitle file only.
    const t = new URL(items[0]!.url, base).searchParams.get('t')!;
    expect((await SELF.fetch(`${base}/m/${video}/hls/master.m3u8?t=${t}`)).status).toBe(403);
  });

  it('replaces a language, canonicalises its tag, and an editor may attach', async () => {
    const res = await put(
      video,
      'pt-br',
      { label: 'Português', content: 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOlá\n' },
      await bearer(editor),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { language: string }).language).toBe('pt-BR');
    const again = await put(video, 'pt-BR', { label: 'Português (BR)', content: SRT }, await bearer(owner));
    expect(again.status).toBe(200);
    const r = await rows(video);
    expect(r.map((x) => [x.stem, x.language, x.label])).toEqual(
      expect.arrayContaining([
        ['en', 'en', 'English'],
        ['pt-br', 'pt-BR', 'Português (BR)'],
      ]),
    );
    expect(r).toHaveLength(2);
  });

  it.each([
    ['a script', { label: 'X', content: '1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n' }, 400, 'markup'],
    ['bad timings', { label: 'X', content: '1\n00:00:05,000 --> 00:00:01,000\nx\n' }, 400, 'bad_timing'],
    ['a NUL', { label: 'X', content: 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\u0000\n' }, 400, undefined],
    ['over 1 MiB', { label: 'X', content: `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${'x'.repeat(1024 * 1024)}\n` }, 413, 'too_large'],
    ['a label with a line break', { label: 'a\nb', content: SRT }, 400, undefined],
    ['an unknown field', { label: 'X', content: SRT, path: '../x' }, 400, undefined],
  ])('refuses %s and stores nothing', async (_, body, status, reason) => {
    const res = await put(video, 'fr', body, await bearer(owner));
    expect(res.status).toBe(status);
    const error = await errorOf(res);
    expect(error.requestId).toBeTruthy();
    if (reason) expect(error.details?.reason).toBe(reason);
    expect((await rows(video)).some((r) => r.stem === 'fr')).toBe(false);
    expect(await stored(video, 'hls/subs/fr.vtt')).toBeNull();
  });

  it.each(['english', 'e', 'en_US', 'abcd', 'en-'])('refuses the language %j', async (language) => {
    const res = await put(video, language, { label: 'X', content: SRT }, await bearer(owner));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('validation_failed');
  });

  it('refuses a body that is not JSON (415) and an asset that is not a video (409)', async () => {
    const auth = await bearer(owner);
    const raw = await SELF.fetch(`${base}/api/assets/${video}/subtitles/en`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'text/vtt' },
      body: SRT,
    });
    expect(raw.status).toBe(415);
    const res = await put(photo, 'en', { label: 'English', content: SRT }, auth);
    expect(res.status).toBe(409);
  });
});

describe('who may change or read subtitles', () => {
  it('a viewer cannot attach or remove (403); a stranger gets 404; nobody signed in gets 401; nothing changes', async () => {
    const before = await rows(video);
    expect((await put(video, 'de', { label: 'Deutsch', content: SRT }, await bearer(viewer))).status).toBe(403);
    expect((await del(video, 'en', await bearer(viewer))).status).toBe(403);
    expect((await put(video, 'de', { label: 'Deutsch', content: SRT }, await bearer(stranger))).status).toBe(404);
    expect((await del(video, 'en', await bearer(stranger))).status).toBe(404);
    expect((await list(video, await bearer(stranger))).status).toBe(404);
    expect((await put(video, 'de', { label: 'Deutsch', content: SRT }, {})).status).toBe(401);
    expect((await del(video, 'en', {})).status).toBe(401);
    expect((await list(video, {})).status).toBe(404);
    expect(await stored(video, 'hls/subs/de.vtt')).toBeNull();
    expect(await rows(video)).toEqual(before);
  });

  it('an ended session (a token whose session is gone) cannot attach', async () => {
    const { token } = await signAccessToken(await keys(), { ...party, sub: owner, sid: uid() });
    const res = await put(video, 'de', { label: 'Deutsch', content: SRT }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('session_ended');
  });

  it('a stranger cannot read the subtitle files; a token for another asset opens nothing', async () => {
    expect((await SELF.fetch(`${base}/m/${video}/hls/subs/en.vtt`, { headers: await bearer(stranger) })).status).toBe(404);
    expect((await SELF.fetch(`${base}/m/${video}/hls/subs/en.vtt`)).status).toBe(404);
    const other = await signMediaToken(await keys(), { ...party, assetId: photo, scope: 'hls/', ttlSeconds: 60 });
    expect((await SELF.fetch(`${base}/m/${video}/hls/subs/en.vtt?t=${other}`)).status).toBe(403);
  });
});

describe('the master playlist lists the subtitles', () => {
  it('with a Bearer: EXT-X-MEDIA per language, SUBTITLES on each variant, URIs carrying the hls/ token that serves them', async () => {
    const url = `${base}/m/${video}/hls/master.m3u8`;
    const res = await SELF.fetch(url, { headers: await bearer(viewer) });
    expect(res.status).toBe(200);
    const text = await res.text();
    const media = mediaLines(text);
    expect(media.map((l) => /LANGUAGE="([^"]+)"/.exec(l)![1])).toEqual(['en', 'pt-BR']);
    expect(
      text
        .split('\n')
        .filter((l) => l.startsWith('#EXT-X-STREAM-INF'))
        .every((l) => l.includes('SUBTITLES="subs"')),
    ).toBe(true);
    // As a player resolves it: the rendition playlist, then its one segment.
    const playlistUrl = new URL(uriOf(media[0]!), url);
    const playlist = await SELF.fetch(playlistUrl);
    expect(playlist.status).toBe(200);
    const segment = (await playlist.text()).split('\n').find((l) => l.startsWith('en.vtt'))!;
    expect(segment).toMatch(/^en\.vtt\?t=/);
    const vtt = await SELF.fetch(new URL(segment, playlistUrl));
    expect(vtt.status).toBe(200);
    expect(await vtt.text()).toContain('X-TIMESTAMP-MAP=MPEGTS:126000');
  });

  it('through a share link (view): the same renditions under /s/, the files readable by the link holder', async () => {
    const link = await makeLink({ resourceId: video, createdBy: owner, permission: 'view' });
    const url = `${base}/s/${link.token}/hls/master.m3u8`;
    const res = await SELF.fetch(url);
    expect(res.status).toBe(200);
    const media = mediaLines(await res.text());
    expect(media).toHaveLength(2);
    const playlist = await SELF.fetch(new URL(uriOf(media[0]!), url));
    expect(playlist.status).toBe(200);
    expect((await SELF.fetch(`${base}/s/${link.token}/hls/subs/en.vtt`)).status).toBe(200);
    // The link holder has no account: the API's writes are closed to them.
    expect((await put(video, 'de', { label: 'D', content: SRT }, { authorization: `Bearer ${link.token}` })).status).toBe(401);
  });

  it('removing a subtitle drops it from the master and blanks its file; removing it again is 404', async () => {
    const auth = await bearer(owner);
    expect((await del(video, 'pt-BR', auth)).status).toBe(204);
    expect((await del(video, 'pt-BR', auth)).status).toBe(404);
    expect(await stored(video, 'hls/subs/pt-br.vtt')).toBe('WEBVTT\n');
    const text = await (await SELF.fetch(`${base}/m/${video}/hls/master.m3u8`, { headers: auth })).text();
    expect(mediaLines(text).map((l) => /LANGUAGE="([^"]+)"/.exec(l)![1])).toEqual(['en']);
    expect(
      await withDb((db) =>
        db
          .select()
          .from(assetSubtitles)
          .where(and(eq(assetSubtitles.assetId, video), eq(assetSubtitles.stem, 'pt-br'))),
      ),
    ).toEqual([]);
  });
});
