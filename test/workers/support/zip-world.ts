/**
 * Worlds for the ZIP download tests: users, assets with stored originals,
 * a collection whose items were added by someone, grants made by someone,
 * written straight to the database (the routes that make them are tested
 * elsewhere).
 */
import { collectionItems, collections, derivatives, grants } from '../../../shared/db/schema.ts';
import type { Permission } from '../../../shared/policy/access.ts';
import { createAsset, createUser, patterned, putVariant, withDb } from './fixtures.ts';

export interface StoredAsset {
  id: string;
  filename: string;
  data: Uint8Array;
}

export async function storedAsset(
  ownerId: string,
  filename: string,
  size: number,
  fields: Record<string, unknown> = {},
): Promise<StoredAsset> {
  const data = patterned(size).map((b, i) => (b + filename.length * 7 + (i >> 9)) % 256);
  const id = await withDb((db) =>
    createAsset(db, ownerId, {
      filename,
      size,
      declaredType: 'application/octet-stream',
      detectedType: 'application/octet-stream',
      ...fields,
    }),
  );
  await putVariant(id, 'original', data, 'application/octet-stream');
  return { id, filename, data };
}

export async function collectionOf(ownerId: string, name: string, items: { assetId: string; addedBy: string }[]): Promise<string> {
  return withDb(async (db) => {
    const [c] = await db.insert(collections).values({ ownerId, name }).returning({ id: collections.id });
    if (items.length) {
      await db
        .insert(collectionItems)
        .values(items.map((it, position) => ({ collectionId: c!.id, assetId: it.assetId, addedBy: it.addedBy, position })));
    }
    return c!.id;
  });
}

export async function grant(
  resourceType: 'asset' | 'collection',
  resourceId: string,
  to: string,
  permission: Permission,
  by: string,
): Promise<string> {
  const [g] = await withDb((db) =>
    db
      .insert(grants)
      .values({ resourceType, resourceId, principalType: 'user', principalId: to, permission, grantedBy: by })
      .returning({ id: grants.id }),
  );
  return g!.id;
}

export async function derivativeOf(assetId: string, kind: string, data: Uint8Array): Promise<void> {
  await putVariant(assetId, kind, data, 'image/webp');
  await withDb((db) =>
    db
      .insert(derivatives)
      .values({ assetId, kind, key: `${assetId}/${kind}`, contentType: 'image/webp', size: data.byteLength, status: 'ready' }),
  );
}

export { createUser, withDb };
