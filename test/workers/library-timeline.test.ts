/**
 * The timeline: `GET /api/assets?order=taken` (EXIF date taken, else the
 * upload date; keyset pages; `takenBefore` jumps to a month) and
 * `GET /api/assets/timeline` (months with counts, under the same visibility
 * and filters as the list).
 */
import { describe, expect, it } from 'vitest';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { api, buildWorld, expectStatus } from './support/library-world.ts';

type Item = { id: string; takenAt: string; width: number | null; height: number | null };
type Page = { items: Item[]; nextCursor: string | null };
type Timeline = { buckets: { month: string; count: number }[]; total: number };

async function all(path: string, as: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await expectStatus(await api('GET', `${path}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { as }), 200);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('the timeline', () => {
  it('orders by date taken (EXIF, else upload), pages by keyset, jumps to a month, and counts months', async () => {
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'timeline');
      const exif = (takenAt: string, extra: Record<string, unknown> = {}) => createAsset(db, user, { metadata: { takenAt, ...extra } });
      const may = await exif('2024-05-01T10:00:00', { width: 4000, height: 3000 });
      const may2 = await exif('2024-05-20T08:00:00');
      const jan = await exif('2023-01-31T23:59:59');
      const tie = await Promise.all([exif('2022-07-04T12:00:00'), exif('2022-07-04T12:00:00'), exif('2022-07-04T12:00:00')]);
      // No EXIF date: its upload date (now) puts it first.
      const upload = await createAsset(db, user, { metadata: { width: 10, height: 20 } });
      // A date ingest could not have written: the upload date.
      const bogus = await createAsset(db, user, {
        metadata: { takenAt: '2024-13-45T99:00:00' },
        createdAt: new Date('2021-03-03T00:00:00Z'),
      });
      const video = await createAsset(db, user, {
        declaredType: 'video/mp4',
        metadata: { video: { width: 1920, height: 1080 } },
        createdAt: new Date('2020-01-01T00:00:00Z'),
      });
      await createAsset(db, user, { metadata: { takenAt: '2024-05-02T00:00:00' }, deletedAt: new Date() }); // trash: never counted
      return { user, expected: [upload, may2, may, jan, ...tie.sort(), bogus, video] };
    });
    const items = await all('/api/assets?order=taken', w.user, 2);
    expect(items.map((i) => i.id)).toEqual(w.expected);
    expect(items[2]).toMatchObject({ takenAt: '2024-05-01T10:00:00.000Z', width: 4000, height: 3000 });
    expect(items[0]).toMatchObject({ width: 10, height: 20 });
    expect(items.at(-1)).toMatchObject({ width: 1920, height: 1080, takenAt: '2020-01-01T00:00:00.000Z' });
    expect(items.at(-2)!.takenAt).toBe('2021-03-03T00:00:00.000Z');

    // Jump to a month: one request starting at May 2024's last asset.
    const jump = await expectStatus<Page>(
      await api('GET', '/api/assets?order=taken&takenBefore=2024-06-01T00:00:00Z&limit=3', { as: w.user }),
      200,
    );
    expect(jump.items.map((i) => i.id)).toEqual(w.expected.slice(1, 4));

    const t = await expectStatus<Timeline>(await api('GET', '/api/assets/timeline', { as: w.user }), 200);
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(t.buckets).toEqual([
      { month: thisMonth, count: 1 },
      { month: '2024-05', count: 2 },
      { month: '2023-01', count: 1 },
      { month: '2022-07', count: 3 },
      { month: '2021-03', count: 1 },
      { month: '2020-01', count: 1 },
    ]);
    expect(t.total).toBe(9);
    const videos = await expectStatus<Timeline>(await api('GET', '/api/assets/timeline?type=video', { as: w.user }), 200);
    expect(videos.buckets).toEqual([{ month: '2020-01', count: 1 }]);

    // A cursor of the upload-order list is not one of the timeline.
    const byCreated = await expectStatus<Page>(await api('GET', '/api/assets?limit=1', { as: w.user }), 200);
    await expectStatus(await api('GET', `/api/assets?order=taken&cursor=${byCreated.nextCursor}`, { as: w.user }), 400);
    await expectStatus(await api('GET', '/api/assets?order=taken&takenBefore=yesterday', { as: w.user }), 400);
    await expectStatus(await api('GET', '/api/assets?order=sideways', { as: w.user }), 400);
  });

  it('counts only what the caller may see, with the list’s scopes and filters', async () => {
    const w = await buildWorld();
    const month = new Date().toISOString().slice(0, 7);
    const inCol = `?scope=all&collectionId=${w.collection}`;
    const count = async (as: string, q = '') =>
      (await expectStatus<Timeline>(await api('GET', `/api/assets/timeline${q}`, { as }), 200)).total;
    // Public assets of other tests share the database, so counts are narrowed to the world's collection.
    expect(await count(w.users.viewer)).toBe(0); // scope=mine: owns nothing
    expect(await count(w.users.owner)).toBe(1);
    expect(await count(w.users.viewer, inCol)).toBe(1);
    expect(await count(w.users.viewer, `${inCol}&type=video`)).toBe(0);
    const buckets = await expectStatus<Timeline>(await api('GET', `/api/assets/timeline${inCol}`, { as: w.users.orgMember }), 200);
    expect(buckets.buckets).toEqual([{ month, count: 1 }]);
    // The list agrees with the counts.
    const list = await expectStatus<Page>(await api('GET', `/api/assets${inCol}&order=taken`, { as: w.users.orgMember }), 200);
    expect(list.items.map((i) => i.id)).toEqual([w.asset]);
    // A collection filter the caller cannot see is a 404, as on the list; no credential 401; a bad scope 400.
    await expectStatus(await api('GET', `/api/assets/timeline${inCol}`, { as: w.users.stranger }), 404);
    await expectStatus(await api('GET', `/api/assets/timeline${inCol}`, { as: w.users.expired }), 404);
    await expectStatus(await api('GET', '/api/assets/timeline'), 401);
    await expectStatus(await api('GET', '/api/assets/timeline?scope=everything', { as: w.users.owner }), 400);
  });
});
