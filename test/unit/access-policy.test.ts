import { describe, expect, it } from 'vitest';
import { assetPermission, canAccessAsset, includes, type AccessQuestion, type GrantFacts, type LinkFacts } from '../../shared/policy/access.ts';

const now = new Date('2026-11-25T12:00:00Z');
const later = new Date('2026-12-25T12:00:00Z');
const earlier = new Date('2026-10-25T12:00:00Z');
const asset = { id: 'a1', ownerId: 'owner', visibility: 'private' as const, deletedAt: null, collectionIds: ['c1'] };
const caller = (userId: string, groupIds: string[] = [], orgIds: string[] = []) => ({ userId, groupIds, orgIds });
const grant = (g: Partial<GrantFacts>): GrantFacts => ({
  resourceType: 'asset', resourceId: 'a1', principalType: 'user', principalId: 'u1', permission: 'view', expiresAt: null, ...g,
});
const q = (over: Partial<AccessQuestion>): AccessQuestion => ({ asset, caller: null, grants: [], now, ...over });
const link = (l: Partial<LinkFacts>): LinkFacts => ({
  resourceType: 'asset', resourceId: 'a1', permission: 'download', expiresAt: later, revokedAt: null,
  allowDownload: true, maxDownloads: null, downloadCount: 0, ...l,
});

describe('access policy', () => {
  it('orders permissions view < download < edit < manage', () => {
    expect(includes('manage', 'view')).toBe(true);
    expect(includes('download', 'edit')).toBe(false);
    expect(includes(null, 'view')).toBe(false);
  });

  it('gives the owner manage, even in the trash; nobody else sees a deleted asset', () => {
    const deleted = { ...asset, deletedAt: earlier, visibility: 'public' as const };
    expect(assetPermission(q({ asset: deleted, caller: caller('owner') }))).toBe('manage');
    expect(assetPermission(q({ asset: deleted, caller: caller('u1'), grants: [grant({ permission: 'manage' })] }))).toBeNull();
    expect(assetPermission(q({ asset: deleted, link: link({}) }))).toBeNull();
  });

  it('lets anyone view a public asset, not download it', () => {
    const pub = { ...asset, visibility: 'public' as const };
    expect(canAccessAsset(q({ asset: pub }), 'view')).toBe(true);
    expect(canAccessAsset(q({ asset: pub }), 'download')).toBe(false);
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

  it('honours a live link, capped to view when downloads are off or used up', () => {
    expect(assetPermission(q({ link: link({}) }))).toBe('download');
    expect(assetPermission(q({ link: link({ allowDownload: false }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ maxDownloads: 2, downloadCount: 2 }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ revokedAt: earlier }) }))).toBeNull();
    expect(assetPermission(q({ link: link({ expiresAt: now }) }))).toBeNull();
    expect(assetPermission(q({ link: link({ resourceType: 'collection', resourceId: 'c1', permission: 'view' }) }))).toBe('view');
    expect(assetPermission(q({ link: link({ resourceId: 'other' }) }))).toBeNull();
  });
});
