/**
 * The random command mix. Indices are small so that most commands name
 * something that exists; sharing steps (grants, items, links) come more
 * often than housekeeping because that is where rights can amplify.
 * Actors are mostly the owner of the thing at hand, else any user:
 * refusals are part of the game.
 */
import fc from 'fast-check';
import {
  CreateCollection,
  DeleteCollection,
  Item,
  Lifecycle,
  MAX_ASSETS,
  MAX_COLLECTIONS,
  SetVisibility,
  Upload,
} from './library-steps.ts';
import { LEVELS } from './model.ts';
import { CreateGroup, CreateOrg, DeleteGroup, GroupMember, JoinOrg, MAX_GROUPS, MAX_ORGS, RemoveMember } from './org-steps.ts';
import { ChangeGrant, ChangeLink, CreateLink, DeleteGrant, Grant, type LinkChange } from './sharing-steps.ts';
import type { ModelState, ResourceRef } from './state.ts';
import type { Actor, Real, Step } from './step.ts';

/**
 * Every run starts from the same small world, so that its random commands
 * mostly name things that exist and meet: u2 made org#0 and all three
 * belong to it (people receive grants only from someone they share an org
 * with); u0 owns asset#0, public; u1 owns asset#1, private, and collection#0,
 * an album the whole org may edit (grant#0); u0 co-manages asset#1 for its
 * first two seconds (grant#1), so whatever u0 passes on meanwhile must end
 * with that. Users are interchangeable, so fixing who owns what loses
 * nothing.
 */
export async function prologue(m: ModelState, r: Real): Promise<void> {
  const steps = [
    new Upload(0, null),
    new Upload(1, null),
    new SetVisibility('owner', 0, true),
    new CreateCollection(1),
    new CreateOrg(2),
    new JoinOrg('owner', 0, 0),
    new JoinOrg('owner', 0, 1),
    new Grant('owner', { type: 'collection', idx: 0 }, { type: 'org', idx: 0 }, 'edit', null),
    new Grant('owner', { type: 'asset', idx: 1 }, { type: 'user', idx: 0 }, 'manage', 2),
  ];
  for (const s of steps) await s.perform(m, r);
}

/** 0 .. count-1, the first ones more often (they exist earlier in a run). */
const index = (count: number) =>
  fc.oneof(...Array.from({ length: count }, (_, i) => ({ weight: 2 ** (count - i), arbitrary: fc.constant(i) })));

export function commandArbitraries(users: number): fc.Arbitrary<Step>[] {
  const user = fc.nat(users - 1);
  const asset = index(MAX_ASSETS);
  const collection = index(MAX_COLLECTIONS);
  const org = index(MAX_ORGS);
  const group = index(MAX_GROUPS);
  // Mostly whoever owns (or manages) the thing at hand, so that most commands do something; else anyone.
  const actor: fc.Arbitrary<Actor> = fc.oneof({ weight: 3, arbitrary: fc.constant('owner' as const) }, { weight: 2, arbitrary: user });
  const resActor: fc.Arbitrary<Actor> = fc.oneof(
    { weight: 4, arbitrary: fc.constant('owner' as const) },
    { weight: 2, arbitrary: fc.constant('manager' as const) },
    { weight: 2, arbitrary: user },
  );
  // Manage twice as often: it is what lets rights travel further.
  const level = fc.constantFrom(...LEVELS, 'manage' as const);
  const res: fc.Arbitrary<ResourceRef> = fc.oneof(
    asset.map((idx) => ({ type: 'asset' as const, idx })),
    collection.map((idx) => ({ type: 'collection' as const, idx })),
  );
  const principal = fc.oneof(
    { weight: 3, arbitrary: user.map((idx) => ({ type: 'user' as const, idx })) },
    { weight: 1, arbitrary: group.map((idx) => ({ type: 'group' as const, idx })) },
    { weight: 2, arbitrary: org.map((idx) => ({ type: 'org' as const, idx })) },
  );
  // Mostly no expiry; sometimes a second or two, so it lapses within the run (a request that takes longer is refused: fine).
  const expiresIn = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) });
  const linkChange: fc.Arbitrary<LinkChange> = fc.oneof(
    fc.constantFrom('view' as const, 'download' as const).map((level) => ({ level })),
    fc.boolean().map((allowDownload) => ({ allowDownload })),
    fc.constantFrom(null, 1, 2).map((maxDownloads) => ({ maxDownloads })),
    fc.constant({ end: true as const }),
    fc.constant({ revoke: true as const }),
  );
  const grantChange = fc.oneof(
    level.map((l) => ({ level: l })),
    expiresIn.map((s) => ({ expiresIn: s })),
  );
  const mostlyTrue = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  const weighted = (w: number, a: fc.Arbitrary<Step>) => Array.from({ length: w }, () => a);
  return [
    ...weighted(
      2,
      user.map((u) => new Upload(u, null)),
    ),
    fc.tuple(actor, collection).map(([u, c]) => new Upload(u, c)),
    ...weighted(
      3,
      fc.tuple(resActor, asset, mostlyTrue).map(([u, a, p]) => new SetVisibility(u, a, p)),
    ),
    fc
      .tuple(resActor, asset, fc.constantFrom('delete' as const, 'restore' as const, 'purge' as const))
      .map(([u, a, op]) => new Lifecycle(u, a, op)),
    user.map((u) => new CreateCollection(u)),
    fc.tuple(resActor, collection).map(([u, c]) => new DeleteCollection(u, c)),
    ...weighted(
      6,
      fc.tuple(resActor, collection, asset, mostlyTrue).map(([u, c, a, add]) => new Item(u, c, a, add)),
    ),
    ...weighted(
      7,
      fc.tuple(resActor, res, principal, level, expiresIn).map(([u, r, p, l, e]) => new Grant(u, r, p, l, e)),
    ),
    fc.tuple(resActor, index(5), grantChange).map(([u, g, ch]) => new ChangeGrant(u, g, ch)),
    fc.tuple(resActor, index(5)).map(([u, g]) => new DeleteGrant(u, g)),
    ...weighted(
      3,
      fc
        .tuple(resActor, res, fc.constantFrom('view' as const, 'download' as const), fc.boolean(), fc.constantFrom(null, null, 1, 2))
        .map(([u, r, l, d, max]) => new CreateLink(u, r, l, d, max)),
    ),
    fc.tuple(resActor, index(4), linkChange).map(([u, l, ch]) => new ChangeLink(u, l, ch)),
    user.map((u) => new CreateOrg(u)),
    ...weighted(
      2,
      fc.tuple(actor, org, user).map(([a, o, b]) => new JoinOrg(a, o, b)),
    ),
    fc.tuple(actor, org, user).map(([a, o, b]) => new RemoveMember(a, o, b)),
    fc.tuple(actor, org).map(([u, o]) => new CreateGroup(u, o)),
    ...weighted(
      2,
      fc.tuple(actor, group, user, mostlyTrue).map(([a, g, b, add]) => new GroupMember(a, g, b, add)),
    ),
    fc.tuple(actor, group).map(([u, g]) => new DeleteGroup(u, g)),
  ];
}
