/**
 * `accessibleCollections` (the SQL that lists collections) and the policy's
 * `collectionPermission` must agree, as test/node/access-policy-sql.test.ts
 * holds `accessibleAssets` to `assetPermission`: on random worlds
 * (support/policy-world.ts; no assets, so every asset grant names a
 * collection's id and must not count for it) both answers are compared for
 * every caller and permission, on PGlite and on PostgreSQL through the
 * production driver.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibleCollections } from '../../edge/access/visible-assets.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import * as s from '../../shared/db/schema.ts';
import { collectionPermission, includes, permissions, type Permission } from '../../shared/policy/access.ts';
import {
  callerFacts,
  callersOf,
  collectionFacts,
  databaseTargets,
  grantFacts,
  now,
  openMigrated,
  peopleOf,
  userId,
  worldOf,
  writeWorld,
  type World,
} from './support/policy-world.ts';

const sizes = { users: 3, groups: 2, orgs: 2, assets: 0, collections: 4 };

function policySet(w: World, caller: number | null, need: Permission): string[] {
  const grants = grantFacts(w);
  return collectionFacts(w)
    .filter((collection) =>
      includes(collectionPermission({ collection, caller: callerFacts(w, caller), grants, people: peopleOf(w), now }), need),
    )
    .map((c) => c.id)
    .sort();
}

async function sqlSet(db: Database, caller: number | null, need: Permission): Promise<string[]> {
  const rows = await db
    .select({ id: s.collections.id })
    .from(s.collections)
    .where(accessibleCollections(caller === null ? null : userId(caller), now, need));
  return rows.map((r) => r.id).sort();
}

describe.each(databaseTargets)('collection policy and SQL agree on $name', (target) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openMigrated(target);
  });
  afterAll(async () => handle?.close());

  it('for every caller and permission, on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(worldOf(sizes), async (w) => {
        const db = handle.db;
        await writeWorld(db, w);
        for (const caller of callersOf(w)) {
          for (const need of permissions) {
            expect(await sqlSet(db, caller, need), `caller ${caller} ${need}`).toEqual(policySet(w, caller, need));
          }
        }
      }),
      { numRuns: target.runs },
    );
  });
});
