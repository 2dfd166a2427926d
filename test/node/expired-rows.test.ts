/**
 * The sweeper's clean-up of rows that only accumulate (attempt counters,
 * expired refresh tokens), on PGlite and PostgreSQL with a fixed clock:
 * only rows past their retention go, live ones stay, batches are bounded.
 */
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredRows } from '../../origin/pipeline/expired-rows.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { rateCounters, refreshTokens, users, webauthnChallenges } from '../../shared/db/schema.ts';
import { DRIVERS, openDb } from './support/video-env.ts';

const HOUR = 3_600_000;
const now = new Date('2031-03-01T12:00:00Z');
const ago = (h: number) => new Date(now.getTime() - h * HOUR);

describe.each(DRIVERS)('expired rows on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDb(driver);
  });
  afterAll(async () => handle?.close());

  it('deletes counters whose window ended a day ago and tokens a day past expiry, nothing else', async () => {
    const db = handle.db;
    const tag = crypto.randomUUID();
    await db.insert(rateCounters).values([
      { key: `old:${tag}`, windowStart: ago(25), count: 3 },
      { key: `recent:${tag}`, windowStart: ago(23), count: 3 },
      { key: `live:${tag}`, windowStart: ago(0.1), count: 1 },
    ]);
    const [user] = await db
      .insert(users)
      .values({ email: `sweep-${tag}@example.test`, name: 's', passwordHash: 'x' })
      .returning();
    const familyId = crypto.randomUUID();
    const tokens = await db
      .insert(refreshTokens)
      .values([
        { userId: user!.id, familyId, tokenHash: `gone-${tag}`, expiresAt: ago(30) },
        { userId: user!.id, familyId, tokenHash: `grace-${tag}`, expiresAt: ago(2) },
        { userId: user!.id, familyId, tokenHash: `live-${tag}`, expiresAt: new Date(now.getTime() + 30 * 24 * HOUR) },
      ])
      .returning();

    const result = await sweepExpiredRows({ db, now: () => now });
    expect(result.rateCounters).toBeGreaterThanOrEqual(1);
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);

    const counters = await db.select({ key: rateCounters.key }).from(rateCounters);
    const keys = counters.map((c) => c.key).filter((k) => k.endsWith(tag));
    expect(keys.sort()).toEqual([`live:${tag}`, `recent:${tag}`]);
    const left = await db.select({ tokenHash: refreshTokens.tokenHash }).from(refreshTokens).where(eq(refreshTokens.familyId, familyId));
    expect(left.map((t) => t.tokenHash).sort()).toEqual([`grace-${tag}`, `live-${tag}`]);
    expect(tokens).toHaveLength(3);

    // A second run finds nothing of this test's rows to do.
    await sweepExpiredRows({ db, now: () => now });
    const again = await db
      .select()
      .from(refreshTokens)
      .where(inArray(refreshTokens.tokenHash, [`grace-${tag}`, `live-${tag}`]));
    expect(again).toHaveLength(2);
  });

  it('deletes WebAuthn challenges a day past their expiry, used or not, and keeps the rest', async () => {
    const db = handle.db;
    const tag = crypto.randomUUID();
    await db.insert(webauthnChallenges).values([
      { challenge: `old-${tag}`, purpose: 'sign-in', expiresAt: ago(25) },
      { challenge: `old-used-${tag}`, purpose: 'sign-in', expiresAt: ago(26), consumedAt: ago(26.1) },
      { challenge: `recent-${tag}`, purpose: 'sign-in', expiresAt: ago(1) },
      { challenge: `live-${tag}`, purpose: 'sign-in', expiresAt: new Date(now.getTime() + 300_000) },
    ]);
    const result = await sweepExpiredRows({ db, now: () => now });
    expect(result.webauthnChallenges).toBeGreaterThanOrEqual(2);
    const left = await db.select({ challenge: webauthnChallenges.challenge }).from(webauthnChallenges);
    expect(
      left
        .map((c) => c.challenge)
        .filter((c) => c.endsWith(tag))
        .sort(),
    ).toEqual([`live-${tag}`, `recent-${tag}`]);
  });

  it('deletes at most one batch per run', async () => {
    const db = handle.db;
    const tag = crypto.randomUUID();
    await db
      .insert(rateCounters)
      .values(Array.from({ length: 7 }, (_, i) => ({ key: `batch${i}:${tag}`, windowStart: ago(48), count: 1 })));
    // Earlier tests' old rows may exist too; drain them in batches of 5 and check each run's bound.
    let runs = 0;
    for (;;) {
      const r = await sweepExpiredRows({ db, now: () => now }, 5);
      expect(r.rateCounters).toBeLessThanOrEqual(5);
      runs++;
      if (r.rateCounters < 5) break;
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    const rest = (await db.select({ key: rateCounters.key }).from(rateCounters)).filter((c) => c.key.endsWith(tag));
    expect(rest).toEqual([]);
  });
});
