/**
 * Which object ingest checked versus the one stored now, as AWS reports them
 * in a versioned bucket (events and HEAD carry `version-id`; the local server
 * keeps no versions, so this part is exercised here with AWS's shapes). The
 * version id decides when two versions share an ETag: a single-part ETag is
 * an MD5, and MD5 collisions can be made.
 */
import { describe, expect, it } from 'vitest';
import { replacedSinceIngest, sameObject } from '../../origin/pipeline/ingest-original.ts';
import type { ObjectInfo, OriginStorage } from '../../origin/core/storage.ts';

const checked = { etag: 'aaa', versionId: 'v1' };

describe('sameObject', () => {
  it('needs the same ETag (quotes aside) and, where both sides name one, the same version', () => {
    expect(sameObject(checked, { etag: '"aaa"', versionId: 'v1' })).toBe(true);
    expect(sameObject(checked, { etag: 'aaa', versionId: 'v2' })).toBe(false);
    expect(sameObject(checked, { etag: 'bbb', versionId: 'v1' })).toBe(false);
    expect(sameObject(checked, { etag: 'aaa' })).toBe(true);
    expect(sameObject({ etag: 'aaa', versionId: null }, { etag: 'aaa', versionId: 'v9' })).toBe(true);
    expect(sameObject(checked, { etag: '' })).toBe(false);
    expect(sameObject(checked, {})).toBe(false);
  });
});

describe('replacedSinceIngest (AWS, versioned)', () => {
  /** S3 HEAD as a versioned bucket answers it; `heads` counts the calls. */
  function storage(current: Partial<ObjectInfo> | null) {
    const s = {
      heads: 0,
      head: async () => (
        s.heads++,
        current === null
          ? null
          : ({
              size: 1,
              etag: '',
              lastModified: undefined,
              contentType: undefined,
              metadata: {},
              versionId: undefined,
              ...current,
            } as ObjectInfo)
      ),
    };
    return s as unknown as OriginStorage & { heads: number };
  }
  const deps = (s: OriginStorage) => ({ storage: s, buckets: { raw: 'raw', derivatives: 'derivatives' } });

  it('a redelivery naming the checked version needs no storage call', async () => {
    const s = storage({ etag: '"zzz"', versionId: 'v7' });
    expect(await replacedSinceIngest(deps(s), 'k', checked, { etag: 'aaa', versionId: 'v1' })).toBeNull();
    expect(s.heads).toBe(0);
  });

  it('a new version with the same ETag (an MD5 collision) is still another object', async () => {
    const s = storage({ etag: '"aaa"', versionId: 'v2' });
    expect(await replacedSinceIngest(deps(s), 'k', checked, { etag: 'aaa', versionId: 'v2' })).toEqual({ etag: 'aaa', versionId: 'v2' });
  });

  it('an event for an older version while the checked one is current, a deleted object, or nothing recorded: no block', async () => {
    expect(
      await replacedSinceIngest(deps(storage({ etag: '"aaa"', versionId: 'v1' })), 'k', checked, { etag: 'old', versionId: 'v0' }),
    ).toBeNull();
    expect(await replacedSinceIngest(deps(storage(null)), 'k', checked, { etag: 'new', versionId: 'v3' })).toBeNull();
    expect(await replacedSinceIngest(deps(storage({ etag: '"new"' })), 'k', null, { etag: 'new' })).toBeNull();
  });
});
