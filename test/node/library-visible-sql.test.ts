/**
 * The library's list filter (edge/access/visible-live-assets.ts) puts a
 * cheap candidate condition in front of `accessibleAssets`. It must never
 * hide what the policy allows: on random worlds (support/policy-world.ts)
 * the filter gives exactly the live assets `canAccessAsset(view)` allows,
 * per scope, on PGlite and on PostgreSQL through the production driver.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleLiveAssets, type Scope } from '../../edge/access/visible-live-assets.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import * as s from '../../shared/db/schema.ts';
import { canAccessAsset } from '../../shared/policy/access.ts';
import {
  assetFacts,
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

const sizes = { users: 3, groups: 2, orgs: 2, assets: 6, collections: 2 };
const SCOPES: Scope[] = ['mine', 'shared', 'all'];

/** The policy's answer: live assets the caller may view, in the scope. */
function policySet(w: World, caller: number | null, scope: Scope): string[] {
  const grants = grantFacts(w);
  return assetFacts(w)
    .filter((asset) => asset.deletedAt === null)
    .filter((asset) => caller === null || scope === 'all' || (scope === 'mine') === (asset.ownerId === userId(caller)))
    .filter((asset) => canAccessAsset({ asset, caller: callerFacts(w, caller), grants, people: peopleOf(w), now }, 'view'))
    .map((a) => a.id)
    .sort();
}

async function sqlSet(db: Database, caller: number | null, scope: Scope): Promise<string[]> {
  const rows = await db
    .select({ id: s.assets.id })
    .from(s.assets)
    .where(visibleLiveAssets(caller === null ? null : userId(caller), now, scope));
  return rows.map((r) => r.id).sort();
}

describe.each(databaseTargets)('library list filter and policy agree on $name', (target) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openMigrated(target);
  });
  afterAll(async () => handle?.close());

  it('for every caller and scope, on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(worldOf(sizes), async (w) => {
        const db = handle.db;
        await writeWorld(db, w);
        for (const caller of callersOf(w)) {
          for (const scope of SCOPES) {
            expect(await sqlSet(db, caller, scope), `caller ${caller} ${scope}`).toEqual(policySet(w, caller, scope));
          }
        }
      }),
      { numRuns: target.runs },
    );
  });
});
