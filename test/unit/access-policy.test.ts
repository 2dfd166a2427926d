import { describe, expect, it } from 'vitest';
import {
  assetPermission,
  assetSharers,
  canAccessAsset,
  collectionPermission,
  includes,
  type AccessQuestion,
  type AssetFacts,
  type CollectionFacts,
  type GrantFacts,
  type LinkFacts,
} from '../../shared/policy/access.ts';

const now = new Date('2026-11-25T12:00:00Z');
const later = new Date('2026-12-25T12:00:00Z');
const earlier = new Date('2026-10-25T12:00:00Z');
const col = (c: Partial<CollectionFacts> = {}): CollectionFacts => ({
  id: 'c1',
  ownerId: 'owner',
  visibility: 'private',
  visibilitySetBy: null,
  deletedAt: null,
  ...c,
});
const asset: AssetFacts = {
  id: 'a1',
  ownerId: 'owner',
  visibility: 'private',
  visibilitySetBy: null,
  deletedAt: null,
  placements: [{ collection: col(), addedBy: 'owner' }],
};
const caller = (userId: string, groupIds: string[] = [], orgIds: string[] = []) => ({ userId, groupIds, orgIds });
const grant = (g: Partial<GrantFacts>): GrantFacts => ({
  resourceType: 'asset',
  resourceId: 'a1',
  principalType: 'user',
  principalId: 'u1',
  permission: 'view',
  expiresAt: null,
  grantedBy: 'owner',
  ...g,
});
const q = (over: Partial<AccessQuestion>): AccessQuestion => ({ asset, caller: null, grants: [], now, ...over });
const link = (l: Partial<LinkFacts>): LinkFacts => ({
  resourceType: 'asset',
  resourceId: 'a1',
  permission: 'download',
  expiresAt: later,
  revokedAt: null,
  allowDownload: true,
  maxDownloads: null,
  downloadCount: 0,
  createdBy: 'owner',
  dropOnly: false,
  ...l,
});

describe('access policy', () => {
  it('orders permissions view < download < edit < manage', () => {
    expect(includes('manage', 'view')).toBe(true);
    expect(includes('download', 'edit')).toBe(false);
    expect(includes(null, 'view')).toBe(false);
  });

  it('gives the owner manage, even in the trash; nobody else sees a deleted asset', () => {
    const deleted = { ...asset, deletedAt: earlier, visibility: 'public' as const, visibilitySetBy: 'owner' };
    expect(assetPermission(q({ asset: deleted, caller: caller('owner') }))).toBe('manage');
    expect(assetPermission(q({ asset: deleted, caller: caller('u1'), grants: [grant({ permission: 'manage' })] }))).toBeNull();
    expect(assetPermission(q({ asset: deleted, link: link({}) }))).toBeNull();
  });

  it('lets anyone view a public asset, not download it, while whoever made it public may share it', () => {
    const pub = { ...asset, visibility: 'public' as const, visibilitySetBy: 'owner' };
    expect(canAccessAsset(q({ asset: pub }), 'view')).toBe(true);
    expect(canAccessAsset(q({ asset: pub }), 'download')).toBe(false);
    // Made public by a manager who still holds manage: public; once their grant expires, not.
    const byManager = { ...pub, visibilitySetBy: 'm' };
    const managerGrant = grant({ principalId: 'm', permission: 'manage' });
    expect(assetPermission(q({ asset: byManager, grants: [managerGrant], people: [caller('m')] }))).toBe('view');
    expect(assetPermission(q({ asset: byManager, grants: [{ ...managerGrant, expiresAt: earlier }], people: [caller('m')] }))).toBeNull();
    // Made public by someone who never could: not public.
    expect(assetPermission(q({ asset: { ...pub, visibilitySetBy: 'stranger' } }))).toBeNull();
  });

  it('takes the highest unexpired grant reaching the caller by user, group, org, asset or collection', () => {
    const grants = [
      grant({ permission: 'view' }),
      grant({ principalType: 'group', principalId: 'g1', permission: 'download' }),
      grant({ principalType: 'org', principalId: 'o1', resourceType: 'collection', resourceId: 'c1', permission: 'edit' }),
      grant({ permission: 'manage', expiresAt: earlier }),
      grant({ resourceId: 'other', permission: 'manage' }),
      grant({ resourceType: 'collection', resourceId: 'c2', permission: 'manage' }),
    ];
    expect(assetPermission(q({ caller: caller('u1'), grants }))).toBe('view');
    expect(assetPermission(q({ caller: caller('u1', ['g1']), grants }))).toBe('download');
    expect(assetPermission(q({ caller: caller('u2', [], ['o1']), grants }))).toBe('edit');
    expect(assetPermission(q({ caller: caller('u3'), grants }))).toBeNull();
    expect(assetPermission(q({ caller: null, grants }))).toBeNull();
  });

  it('honours a live link made by a sharer, capped to view when downloads are off or used up', () => {
    expect(assetPermission(q({ link: link({}) }))).toBe('download');
    expect(assetPermission(q({ link: link({ allowDownload: false }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ maxDownloads: 2, downloadCount: 2 }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ revokedAt: earlier }) }))).toBeNull();
    expect(assetPermission(q({ link: link({ expiresAt: now }) }))).toBeNull();
    expect(assetPermission(q({ link: link({ resourceType: 'collection', resourceId: 'c1', permission: 'view' }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ resourceId: 'other' }) }))).toBeNull();
    expect(assetPermission(q({ link: link({ createdBy: 'stranger' }) }))).toBeNull();
  });
});

describe('rights never amplify', () => {
  // A viewer of a public asset puts it in a collection of their own and shares that collection.
  const pub: AssetFacts = {
    ...asset,
    visibility: 'public',
    visibilitySetBy: 'owner',
    placements: [{ collection: col({ id: 'mine', ownerId: 'viewer' }), addedBy: 'viewer' }],
  };
  const viaMine = (g: Partial<GrantFacts>) =>
    grant({ resourceType: 'collection', resourceId: 'mine', grantedBy: 'viewer', permission: 'manage', ...g });

  it('a viewer who adds an asset to their collection and shares it passes on nothing', () => {
    const people = [caller('viewer', [], ['org']), caller('friend')];
    expect(
      assetPermission(q({ asset: pub, caller: caller('viewer', [], ['org']), grants: [viaMine({ principalId: 'viewer' })], people })),
    ).toBe('view');
    expect(assetPermission(q({ asset: pub, caller: caller('friend'), grants: [viaMine({ principalId: 'friend' })], people }))).toBe('view');
    const orgGrant = viaMine({ principalType: 'org', principalId: 'org' });
    expect(assetPermission(q({ asset: pub, caller: caller('viewer', [], ['org']), grants: [orgGrant], people }))).toBe('view');
    const collectionLink = link({ resourceType: 'collection', resourceId: 'mine', permission: 'manage', createdBy: 'viewer' });
    expect(assetPermission(q({ asset: pub, link: collectionLink, people }))).toBe('view');
  });

  it('an item a sharer added is shared by the collection, and stops being when they lose manage', () => {
    const shared = { ...asset, placements: [{ collection: col({ id: 'team', ownerId: 'lead' }), addedBy: 'm' }] };
    const managerGrant = grant({ principalId: 'm', permission: 'manage' });
    const teamGrant = grant({
      resourceType: 'collection',
      resourceId: 'team',
      principalId: 'u1',
      permission: 'download',
      grantedBy: 'lead',
    });
    const people = [caller('m'), caller('lead'), caller('u1')];
    expect(assetPermission(q({ asset: shared, caller: caller('u1'), grants: [managerGrant, teamGrant], people }))).toBe('download');
    expect(assetPermission(q({ asset: shared, caller: caller('u1'), grants: [teamGrant], people }))).toBeNull();
  });

  it('a ring of managers with no anchor in the owner holds nothing', () => {
    const ring = [
      grant({ principalId: 'a', permission: 'manage', grantedBy: 'b' }),
      grant({ principalId: 'b', permission: 'manage', grantedBy: 'a' }),
    ];
    const people = [caller('a'), caller('b')];
    expect([...assetSharers(asset, ring, people, now)]).toEqual(['owner']);
    expect(assetPermission(q({ caller: caller('a'), grants: ring, people }))).toBeNull();
    // Anchored once by the owner, the ring holds; the anchor gone, it falls.
    const anchored = [...ring, grant({ principalId: 'a', permission: 'manage', grantedBy: 'owner', expiresAt: later })];
    expect(assetPermission(q({ caller: caller('b'), grants: anchored, people }))).toBe('manage');
    expect(assetPermission(q({ caller: caller('b'), grants: anchored, people, now: new Date(later.getTime() + 1) }))).toBeNull();
  });

  it('a grant made by someone who is not a sharer gives nothing, whatever its level', () => {
    const editorGrant = grant({ principalId: 'e', permission: 'edit' });
    const byEditor = grant({ principalId: 'u1', permission: 'manage', grantedBy: 'e' });
    expect(assetPermission(q({ caller: caller('u1'), grants: [editorGrant, byEditor], people: [caller('e')] }))).toBeNull();
  });

  it('a collection grant or link counts only while its maker may share the collection', () => {
    const c = col({ id: 'c1', ownerId: 'lead', visibility: 'public', visibilitySetBy: 'lead' });
    const byStranger = grant({
      resourceType: 'collection',
      resourceId: 'c1',
      principalId: 'u1',
      permission: 'edit',
      grantedBy: 'stranger',
    });
    expect(collectionPermission({ collection: c, caller: caller('u1'), grants: [byStranger], now })).toBe('view');
    const strangerLink = link({ resourceType: 'collection', resourceId: 'c1', permission: 'edit', createdBy: 'stranger' });
    expect(collectionPermission({ collection: c, caller: null, grants: [], link: strangerLink, now })).toBe('view');
    expect(collectionPermission({ collection: { ...c, visibilitySetBy: 'stranger' }, caller: null, grants: [], now })).toBeNull();
  });
});
