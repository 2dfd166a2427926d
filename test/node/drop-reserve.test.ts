/**
 * The upload-link reservation (edge/drops/drop-store.ts) under real
 * concurrency: many connections of Debian PostgreSQL (through the
 * production driver) racing for a link's last files and bytes, and PGlite.
 * One conditional UPDATE per start: the winners never exceed a cap, and the
 * counters equal exactly what the winners reserved.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { collections, shareLinks, users } from '../../shared/db/schema.ts';
import { releaseDrop, reserveDrop } from '../../edge/drops/drop-store.ts';
import { DRIVERS, openMigratedDatabase } from './support/test-database.ts';

describe.each(DRIVERS)('upload-link reservations on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let owner: string;
  let collection: string;

  beforeAll(async () => {
    handle = await openMigratedDatabase(driver, { max: 16 });
    const [u] = await handle.db
      .insert(users)
      .values({ email: `o-${Date.now()}@x.test`, name: 'O', passwordHash: 'x' })
      .returning();
    owner = u!.id;
    const [c] = await handle.db.insert(collections).values({ ownerId: owner, name: 'c' }).returning();
    collection = c!.id;
  });
  afterAll(async () => handle?.close());

  async function link(fields: Partial<typeof shareLinks.$inferInsert>) {
    const [row] = await handle.db
      .insert(shareLinks)
      .values({
        resourceType: 'collection',
        resourceId: collection,
        createdBy: owner,
        expiresAt: new Date(Date.now() + 3_600_000),
        allowUpload: true,
        ...fields,
      })
      .returning();
    return row!.id;
  }
  const counters = async (id: string) => {
    const [row] = await handle.db
      .select({ files: shareLinks.uploadFiles, bytes: shareLinks.uploadBytes })
      .from(shareLinks)
      .where(eq(shareLinks.id, id));
    return row!;
  };

  it('60 racing starts for 7 files: exactly 7 win', async () => {
    const id = await link({ maxUploadFiles: 7 });
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => reserveDrop(handle.db, id, 10)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(7);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'files')).toHaveLength(53);
    expect(await counters(id)).toEqual({ files: 7, bytes: 70 });
  });

  it('racing starts of mixed sizes never pass the byte cap; the counter is the winners’ sum', async () => {
    const id = await link({ maxUploadBytes: 1_000 });
    const sizes = Array.from({ length: 60 }, (_, i) => 37 + ((i * 53) % 120));
    const outcomes = await Promise.all(sizes.map((s) => reserveDrop(handle.db, id, s)));
    const won = sizes.filter((_, i) => outcomes[i]!.ok);
    const sum = won.reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(1_000);
    // Whatever lost did not fit at the moment it was decided: the smallest loser would overflow the final sum.
    const smallestLoser = Math.min(...sizes.filter((_, i) => !outcomes[i]!.ok));
    expect(sum + smallestLoser).toBeGreaterThan(1_000);
    expect(await counters(id)).toEqual({ files: won.length, bytes: sum });
  });

  it('files and bytes together, with releases racing reservations', async () => {
    const id = await link({ maxUploadFiles: 5, maxUploadBytes: 500 });
    const first = await Promise.all(Array.from({ length: 20 }, () => reserveDrop(handle.db, id, 100)));
    expect(first.filter((o) => o.ok)).toHaveLength(5);
    // Two cancellations and twenty new starts at once: at most the two freed places are taken.
    const [, , ...second] = await Promise.all([
      releaseDrop(handle.db, id, 100),
      releaseDrop(handle.db, id, 100),
      ...Array.from({ length: 20 }, () => reserveDrop(handle.db, id, 100)),
    ]);
    const c = await counters(id);
    expect(c.files).toBeLessThanOrEqual(5);
    expect(c).toEqual({ files: 3 + second.filter((o) => (o as { ok: boolean }).ok).length, bytes: c.files * 100 });
  });

  it('a revoked, expired or upload-less link reserves nothing ("closed"); an oversized file is "file_size"', async () => {
    const revoked = await link({ revokedAt: new Date() });
    const expired = await link({ expiresAt: new Date(Date.now() - 1000) });
    const viewOnly = await link({ allowUpload: false });
    const small = await link({ maxUploadFileSize: 99 });
    for (const id of [revoked, expired, viewOnly]) {
      expect(await reserveDrop(handle.db, id, 1)).toEqual({ ok: false, reason: 'closed' });
      expect(await counters(id)).toEqual({ files: 0, bytes: 0 });
    }
    expect(await reserveDrop(handle.db, small, 100)).toEqual({ ok: false, reason: 'file_size' });
    expect(await reserveDrop(handle.db, small, 99)).toEqual({ ok: true });
  });
});
