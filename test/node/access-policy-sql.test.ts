/**
 * The access policy (a pure function) and the SQL that lists what a caller
 * may see must agree. fast-check builds random worlds (support/policy-world.ts)
 * and, for every caller and permission, compares the policy's answer with
 * the SQL's, on PGlite and on PostgreSQL through the production driver. One
 * sample per world also goes through the edge's fact loaders, so they are
 * held to the same answers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibleAssets } from '../../edge/access/visible-assets.ts';
import { assetPermissionOf } from '../../edge/access/gate.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import * as s from '../../shared/db/schema.ts';
import { canAccessAsset, permissions, type Permission } from '../../shared/policy/access.ts';
import {
  assetFacts,
  assetId,
  callerFacts,
  callersOf,
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

const sizes = { users: 3, groups: 2, orgs: 2, assets: 5, collections: 2 };

/** The policy's answer, from the world in memory. */
function policySet(w: World, caller: number | null, need: Permission): string[] {
  const grants = grantFacts(w);
  return assetFacts(w)
    .filter((asset) => canAccessAsset({ asset, caller: callerFacts(w, caller), grants, people: peopleOf(w), now }, need))
    .map((a) => a.id)
    .sort();
}

async function sqlSet(db: Database, caller: number | null, need: Permission): Promise<string[]> {
  const rows = await db
    .select({ id: s.assets.id })
    .from(s.assets)
    .where(accessibleAssets(caller === null ? null : userId(caller), now, need));
  return rows.map((r) => r.id).sort();
}

describe.each(databaseTargets)('policy and SQL agree on $name', (target) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openMigrated(target);
  });
  afterAll(async () => handle?.close());

  it('for every caller and permission, on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(worldOf(sizes), fc.nat(sizes.assets - 1), fc.nat(sizes.users - 1), async (w, sampleAsset, sampleUser) => {
        const db = handle.db;
        await writeWorld(db, w);
        for (const caller of callersOf(w)) {
          for (const need of permissions) {
            expect(await sqlSet(db, caller, need), `caller ${caller} ${need}`).toEqual(policySet(w, caller, need));
          }
        }
        // The edge's loaders give the policy the same facts as the world.
        const { permission: fromLoader } = await assetPermissionOf(db, assetId(sampleAsset), { userId: userId(sampleUser) }, now);
        const expected = permissions.filter((p) => policySet(w, sampleUser, p).includes(assetId(sampleAsset)));
        expect(fromLoader).toBe(expected.at(-1) ?? null);
      }),
      { numRuns: target.runs },
    );
  });
});
