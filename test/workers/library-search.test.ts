/**
 * Search correctness on seeded data (the database is shared with other
 * suites, so every test uses words of its own): stemming, tags, file names,
 * metadata strings, rank order by field weight, nothing from other users'
 * private assets or the trash, and keyset pages without duplicates when
 * ranks tie. Also the tag routes that feed search.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assets, grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { api, expectStatus } from './support/library-world.ts';

/** A word nobody else's data contains (letters only, so every parser sees one word). */
const word = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => String.fromCharCode(97 + (b % 26))).join('');

type Hit = { id: string; rank: number; thumbnail: { url: string } | null };
const search = async (as: string, q: string, extra = '') =>
  await expectStatus<{ items: Hit[]; nextCursor: string | null }>(
    await api('GET', `/api/search?q=${encodeURIComponent(q)}${extra}`, { as }),
    200,
  );
const ids = async (as: string, q: string) => (await search(as, q, '&limit=100')).items.map((h) => h.id);

describe('GET /api/search', () => {
  it('stems English ("running" finds "runs") and matches file names exactly as typed', async () => {
    const tag = word();
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'searcher');
      const runner = await createAsset(db, user, { description: `She runs every morning ${tag}` });
      const file = await createAsset(db, user, { filename: `IMG_${tag}.jpg` });
      return { user, runner, file };
    });
    expect(await ids(w.user, `running ${tag}`)).toEqual([w.runner]);
    expect(await ids(w.user, `IMG_${tag}.jpg`)).toEqual([w.file]);
    expect(await ids(w.user, `"${tag}" or IMG_${tag}.jpg`)).toEqual([w.file, w.runner]); // websearch syntax; the name ranks first (weight A)
  });

  it('finds a file by the parts of its name (split on . _ - and spaces) as well as by the whole name', async () => {
    const [a, b, c, d] = [word(), word(), word(), word()];
    // Two different 4- and 5-digit numbers.
    const [n, m] = Array.from(crypto.getRandomValues(new Uint32Array(2)), (x, i) => String(1000 + i * 9000 + (x % 9000))) as [
      string,
      string,
    ];
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'filenames');
      const img = await createAsset(db, user, { filename: `IMG${a}_${n}.jpg` });
      const beach = await createAsset(db, user, { filename: `${b}-${c}.png` });
      const spaced = await createAsset(db, user, { filename: `${d} final.v2.PDF` });
      const dashed = await createAsset(db, user, { filename: `IMG${a}-${m}.jpg` });
      return { user, img, beach, spaced, dashed };
    });
    // `IMG_2041` finds `IMG_2041.jpg`; the whole name and the number alone still do.
    expect(await ids(w.user, `IMG${a}_${n}`)).toEqual([w.img]);
    expect(await ids(w.user, `IMG${a}_${n}.jpg`)).toEqual([w.img]);
    expect((await ids(w.user, `img${a}`)).sort()).toEqual([w.img, w.dashed].sort());
    expect(await ids(w.user, `IMG${a} ${n}`)).toEqual([w.img]);
    expect(await ids(w.user, n)).toEqual([w.img]);
    // `sunset` finds `sunset-beach.png`, so do `beach`, `sunset-beach` and the whole name.
    expect(await ids(w.user, b)).toEqual([w.beach]);
    expect(await ids(w.user, c)).toEqual([w.beach]);
    expect(await ids(w.user, `${b}-${c}`)).toEqual([w.beach]);
    expect(await ids(w.user, `${b}-${c}.png`)).toEqual([w.beach]);
    // Hyphenated with a number: as typed, and the number without a sign.
    expect(await ids(w.user, `IMG${a}-${m}`)).toEqual([w.dashed]);
    expect(await ids(w.user, `IMG${a}_${m}`)).toEqual([w.dashed]);
    // Spaces and dots inside a name; case does not matter.
    expect(await ids(w.user, `${d.toUpperCase()} final`)).toEqual([w.spaced]);
    // Parts are words of the name, not substrings of them.
    expect(await ids(w.user, b.slice(0, 6))).toEqual([]);
  });

  it('finds tags (kept in step by PUT /tags) and metadata strings, nested ones included', async () => {
    const [t1, t2, make] = [word(), word(), word()];
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'tagger');
      const tagged = await createAsset(db, user);
      const exif = await createAsset(db, user, { metadata: { exif: { make, iso: 400 }, lens: 'prime' } });
      return { user, tagged, exif };
    });
    await expectStatus(await api('PUT', `/api/assets/${w.tagged}/tags`, { as: w.user, json: { tags: [t1] } }), 200);
    expect(await ids(w.user, t1)).toEqual([w.tagged]);
    await expectStatus(await api('PUT', `/api/assets/${w.tagged}/tags`, { as: w.user, json: { tags: [t2] } }), 200);
    expect(await ids(w.user, t1)).toEqual([]);
    expect(await ids(w.user, t2)).toEqual([w.tagged]);
    expect(await ids(w.user, make)).toEqual([w.exif]);
  });

  it('ranks a title match above a description match above a metadata match', async () => {
    const q = word();
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'ranker');
      const meta = await createAsset(db, user, { metadata: { note: q }, createdAt: new Date(Date.now() - 1000) });
      const desc = await createAsset(db, user, { description: `about ${q}`, createdAt: new Date(Date.now() - 2000) });
      const title = await createAsset(db, user, { title: q, createdAt: new Date(Date.now() - 3000) });
      return { user, meta, desc, title };
    });
    const hits = (await search(w.user, q)).items;
    expect(hits.map((h) => h.id)).toEqual([w.title, w.desc, w.meta]);
    expect(hits[0]!.rank).toBeGreaterThan(hits[1]!.rank);
    expect(hits[1]!.rank).toBeGreaterThan(hits[2]!.rank);
  });

  it("shows nothing from other users' private assets or the trash; public and granted ones do show", async () => {
    const q = word();
    const w = await withDb(async (db) => {
      const me = await createUser(db, 'me');
      const other = await createUser(db, 'other');
      const mine = await createAsset(db, me, { title: q });
      const trashed = await createAsset(db, me, { title: q, deletedAt: new Date() });
      const theirs = await createAsset(db, other, { title: q });
      const pub = await createAsset(db, other, { title: q, visibility: 'public' });
      const granted = await createAsset(db, other, { title: q });
      await db.insert(grants).values({
        resourceType: 'asset',
        resourceId: granted,
        principalType: 'user',
        principalId: me,
        permission: 'view',
        grantedBy: other,
      });
      return { me, other, mine, trashed, theirs, pub, granted };
    });
    const found = await ids(w.me, q);
    expect(found.sort()).toEqual([w.mine, w.pub, w.granted].sort());
    expect(found).not.toContain(w.theirs);
    expect(found).not.toContain(w.trashed);
    expect((await ids(w.other, q)).sort()).toEqual([w.theirs, w.pub, w.granted].sort());
  });

  it('pages through tied ranks without duplicates or gaps, and carries thumbnails', async () => {
    const q = word();
    const { user, all } = await withDb(async (db) => {
      const user = await createUser(db, 'pager');
      const tie = new Date(Date.now() - 5000);
      const all: string[] = [];
      // Seven identical matches, four of them created in the same microsecond.
      for (let i = 0; i < 7; i++)
        all.push(await createAsset(db, user, { title: q, createdAt: i < 4 ? tie : new Date(Date.now() - i * 1000) }));
      return { user, all };
    });
    const whole = await ids(user, q);
    expect(whole.sort()).toEqual([...all].sort());
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(user, q, `&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((h) => h.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(paged).toEqual(await ids(user, q));
    expect(new Set(paged).size).toBe(7);
    expect(pages).toBe(4);
    await withDb((db) => db.update(assets).set({ title: null }).where(eq(assets.id, all[0]!)));
    expect(await ids(user, q)).not.toContain(all[0]);
  });

  it('returns a thumbnail URL for a hit with a ready thumbnail', async () => {
    const q = word();
    const { user, id } = await withDb(async (db) => {
      const user = await createUser(db);
      const id = await createAsset(db, user, { title: q });
      const { derivatives } = await import('../../shared/db/schema.ts');
      await db
        .insert(derivatives)
        .values({ assetId: id, kind: 'w320.jpg', key: `${id}/w320.jpg`, contentType: 'image/jpeg', status: 'ready' });
      return { user, id };
    });
    const [hit] = (await search(user, q)).items;
    expect(hit!.id).toBe(id);
    expect(hit!.thumbnail!.url).toMatch(new RegExp(`^/m/${id}/w320\\.jpg\\?t=`));
  });

  it('matches nothing for a query of punctuation only', async () => {
    const user = await withDb((db) => createUser(db));
    expect((await search(user, '!!! ???')).items).toEqual([]);
  });
});

describe('tags', () => {
  it('are unique per owner regardless of case, counted over live assets, and owned by the asset owner', async () => {
    const w = await withDb(async (db) => {
      const owner = await createUser(db, 'owner');
      const editor = await createUser(db, 'editor');
      const a = await createAsset(db, owner);
      const b = await createAsset(db, owner);
      const c = await createAsset(db, owner);
      await db
        .insert(grants)
        .values({ resourceType: 'asset', resourceId: c, principalType: 'user', principalId: editor, permission: 'edit', grantedBy: owner });
      return { owner, editor, a, b, c };
    });
    const put = (as: string, id: string, tags: string[]) => api('PUT', `/api/assets/${id}/tags`, { as, json: { tags } });
    expect(await expectStatus(await put(w.owner, w.a, ['Beach', ' beach', 'BEACH ', 'Sunset']), 200)).toEqual({
      tags: ['Beach', 'Sunset'],
    });
    expect(await expectStatus(await put(w.owner, w.b, ['beach']), 200)).toEqual({ tags: ['Beach'] });
    // An editor tags the owner's asset with the owner's tags.
    expect(await expectStatus(await put(w.editor, w.c, ['SUNSET', 'Dusk']), 200)).toEqual({ tags: ['Sunset', 'Dusk'] });
    await expectStatus(await api('DELETE', `/api/assets/${w.b}`, { as: w.owner }), 204);
    const mine = await expectStatus(await api('GET', '/api/tags', { as: w.owner }), 200);
    expect(mine.items.map((t: { name: string; count: number }) => [t.name, t.count])).toEqual([
      ['Beach', 1],
      ['Dusk', 1],
      ['Sunset', 2],
    ]);
    const page1 = await expectStatus(await api('GET', '/api/tags?limit=2', { as: w.owner }), 200);
    const page2 = await expectStatus(await api('GET', `/api/tags?limit=2&cursor=${page1.nextCursor}`, { as: w.owner }), 200);
    expect([...page1.items, ...page2.items].map((t: { name: string }) => t.name)).toEqual(['Beach', 'Dusk', 'Sunset']);
    expect((await expectStatus(await api('GET', '/api/tags', { as: w.editor }), 200)).items).toEqual([]);
    const detail = await expectStatus(await api('GET', `/api/assets/${w.a}`, { as: w.owner }), 200);
    expect(detail.tags).toEqual(['Beach', 'Sunset']);
    const [row] = await withDb((db) => db.select({ tagsText: assets.tagsText }).from(assets).where(eq(assets.id, w.a)));
    expect(row!.tagsText).toBe('Beach Sunset');
    expect(await expectStatus(await put(w.owner, w.a, []), 200)).toEqual({ tags: [] });
    const [cleared] = await withDb((db) => db.select({ tagsText: assets.tagsText }).from(assets).where(eq(assets.id, w.a)));
    expect(cleared!.tagsText).toBe('');
  });
});
