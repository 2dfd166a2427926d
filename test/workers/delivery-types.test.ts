/**
 * Serve by what the bytes are: an original's type and disposition come from
 * the type the pipeline sniffed, on every path that serves it (Bearer, a
 * signed URL, a share link), whatever the uploader declared; and no answer
 * on /m or /s that is not native media — errors included — renders as a page.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { grants } from '../../shared/db/schema.ts';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const HTML = '<!doctype html><script>alert(document.domain)</script>';
let owner: string;
let viewer: string;

beforeAll(async () => {
  [owner, viewer] = await withDb((db) => Promise.all([createUser(db, 'typer'), createUser(db, 'viewer')]));
});

/** An asset whose original was uploaded declaring `declared` and sniffed as `detected`. */
async function original(declared: string, detected: string | null, body = HTML, filename = 'cat.jpg') {
  const id = await withDb((db) => createAsset(db, owner, { filename, declaredType: declared, detectedType: detected }));
  await putVariant(id, 'original', body, declared);
  return id;
}

/** The original through each path that serves it. */
async function throughEveryPath(id: string): Promise<[string, Response][]> {
  const t = await signMediaToken(await keys(), { ...party, assetId: id, scope: 'original', permission: 'download' });
  const { token } = await makeLink({ resourceId: id, createdBy: owner, permission: 'download' });
  return [
    ['bearer', await SELF.fetch(`http://edge.test/m/${id}/original`, { headers: await bearer(owner) })],
    ['signed', await SELF.fetch(`http://edge.test/m/${id}/original?t=${t}`)],
    ['share', await SELF.fetch(`http://edge.test/s/${token}/original`)],
  ];
}

const sandboxed = (res: Response, what: string) => {
  expect(res.headers.get('content-disposition'), what).toMatch(/^attachment; filename=/);
  expect(res.headers.get('content-security-policy'), what).toBe("sandbox; default-src 'none'");
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
};

describe('originals', () => {
  it('HTML declared as image/jpeg goes out as text/html, an attachment in a sandbox', async () => {
    for (const [path, res] of await throughEveryPath(await original('image/jpeg', 'text/html'))) {
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      sandboxed(res, path);
      expect(res.headers.get('content-disposition'), path).toContain('filename="cat.jpg"');
      expect(await res.text()).toBe(HTML);
    }
  });

  it('an original not sniffed yet is of unknown type: octet-stream, an attachment', async () => {
    for (const [path, res] of await throughEveryPath(await original('image/jpeg', null))) {
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('application/octet-stream');
      sandboxed(res, path);
      await res.body?.cancel();
    }
  });

  it('a real image declared as something else is inline, with its real type', async () => {
    for (const [path, res] of await throughEveryPath(await original('text/html', 'image/png', 'png bytes', 'x.html'))) {
      expect(res.headers.get('content-type'), path).toBe('image/png');
      expect(res.headers.get('content-disposition'), path).toBeNull();
      expect(res.headers.get('content-security-policy'), path).toBeNull();
      await res.body?.cancel();
    }
  });

  it('script and stylesheet types are never sent, so an upload cannot pass a CSP of self', async () => {
    for (const type of ['text/javascript', 'text/css']) {
      for (const [path, res] of await throughEveryPath(await original(type, type, 'alert(1)', 'x.js'))) {
        expect(res.headers.get('content-type'), `${type} ${path}`).toBe('application/octet-stream');
        sandboxed(res, path);
        await res.body?.cancel();
      }
    }
  });

  it('SVG and plain text, even when honestly declared, are attachments', async () => {
    for (const type of ['image/svg+xml', 'text/plain']) {
      for (const [path, res] of await throughEveryPath(await original(type, type, '<svg onload="alert(1)"/>', 'x.svg'))) {
        expect(res.headers.get('content-type')?.startsWith(type), path).toBe(true);
        sandboxed(res, path);
        await res.body?.cancel();
      }
    }
  });
});

describe('derivatives and everything else on /m and /s', () => {
  it('a derivative is typed by what our pipeline stored; a non-media one is still an attachment', async () => {
    const id = await withDb((db) => createAsset(db, owner, { visibility: 'public' }));
    await putVariant(id, 'storyboard.vtt', 'WEBVTT\n', 'text/vtt');
    await putVariant(id, 'w320.webp', 'webp', 'image/webp');
    await putVariant(id, 'odd.html', HTML, 'text/html');
    const vtt = await SELF.fetch(`http://edge.test/m/${id}/storyboard.vtt`);
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(vtt.headers.get('content-disposition')).toBeNull();
    expect((await SELF.fetch(`http://edge.test/m/${id}/w320.webp`)).headers.get('content-disposition')).toBeNull();
    sandboxed(await SELF.fetch(`http://edge.test/m/${id}/odd.html`), 'odd.html');
  });

  it('error answers are attachments in a sandbox too; 304s carry no body headers', async () => {
    const id = await withDb((db) => createAsset(db, owner, { visibility: 'public' }));
    await putVariant(id, 'w320.webp', 'webp', 'image/webp');
    for (const path of [
      `/m/${id}/missing.webp`,
      `/m/${id}/original`,
      '/m/not-an-id/x',
      '/s/garbage/w320.webp',
      `/m/${id}/w320.webp?t=bad`,
    ]) {
      const res = await SELF.fetch(`http://edge.test${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      sandboxed(res, path);
      await res.body?.cancel();
    }
    const etag = (await SELF.fetch(`http://edge.test/m/${id}/w320.webp`, { method: 'HEAD' })).headers.get('etag')!;
    const cached = await SELF.fetch(`http://edge.test/m/${id}/w320.webp`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('content-disposition')).toBeNull();
  });
});

describe('the owner is told when declared and detected types disagree', () => {
  const detail = async (id: string, who: string) =>
    ((await (await SELF.fetch(`http://edge.test/api/assets/${id}`, { headers: await bearer(who) })).json()) as { typeMismatch: unknown })
      .typeMismatch;

  it('typeMismatch for manage holders; null when the types agree, are unknown, or for a mere viewer', async () => {
    const lying = await original('image/jpeg', 'text/html');
    await withDb((db) =>
      db.insert(grants).values({
        resourceType: 'asset',
        resourceId: lying,
        principalType: 'user',
        principalId: viewer,
        permission: 'view',
        grantedBy: owner,
      }),
    );
    expect(await detail(lying, owner)).toEqual({ declared: 'image/jpeg', detected: 'text/html' });
    expect(await detail(lying, viewer)).toBeNull();
    expect(await detail(await original('image/jpg', 'image/jpeg'), owner)).toBeNull();
    expect(await detail(await original('image/jpeg', null), owner)).toBeNull();
  });
});
