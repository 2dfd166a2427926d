/**
 * The one access gate. Every route that touches an asset or a collection
 * asks here: the gate loads the resource and the facts, asks the policy
 * (shared/policy/access.ts), and answers from one table
 * (docs/architecture.md, "The access gate"):
 *
 * | situation                                              | answer          |
 * |--------------------------------------------------------|-----------------|
 * | no such resource, or no permission at all              | 404 not_found   |
 * | a permission below what the operation needs            | 403 forbidden   |
 * | a trashed asset: its owner (manage), nobody else (404) | as above        |
 * | a deleted collection, anyone (there is no trash)       | 404 not_found   |
 *
 * Share links are opened by edge/access/link-gate.ts, which adds 401/410
 * for the link itself and then asks this gate with the link as the caller.
 */
import type { Database } from '../../shared/db/database.ts';
import { assetPermission, collectionPermission, includes, type LinkFacts, type Permission } from '../../shared/policy/access.ts';
import { AppError } from '../errors.ts';
import type { SelectedFieldsFlat } from 'drizzle-orm/pg-core';
import { loadAssetFacts, loadAssetFactsMany, type AssetRecord, type LoadedAsset } from './asset-access.ts';
import { loadCollection, loadCollectionFacts, type CollectionRecord } from './collection-access.ts';

/** Who is asking: a signed-in user (their id, validated as a UUID by the verifier), a link holder, or nobody. */
export interface Asker {
  userId: string | null;
  link?: LinkFacts | null;
}

export interface GateMessages {
  /** The 404 message ("No such asset." by default). */
  missing?: string;
  /** The 403 message (by default "<what> needs the <need> permission."). */
  forbidden?: string;
  /** What the operation is, for the default 403 message. */
  what?: string;
}

const forbidden = (need: Permission, m: GateMessages, type: string) =>
  new AppError('forbidden', m.forbidden ?? `${m.what ?? `This operation on the ${type}`} needs the ${need} permission.`);

/** What the policy answers on facts already loaded (one statement, ./asset-access.ts). */
function decideAsset(loaded: LoadedAsset<unknown>, who: Asker, now: Date): { permission: Permission | null; publicView: boolean } {
  const { asset, facts } = loaded;
  return {
    permission: assetPermission({ asset, ...facts, link: who.link ?? null, now }),
    // Public in effect (made so by someone who may still share it), not merely marked public.
    publicView: asset.visibility === 'public' && assetPermission({ asset, ...facts, caller: null, link: null, now }) !== null,
  };
}

/** The caller's permission on an asset, or null; the asset, or null when there is none. */
export async function assetPermissionOf(
  db: Database,
  assetId: string,
  who: Asker,
  now: Date,
): Promise<{ asset: AssetRecord | null; permission: Permission | null; publicView: boolean }> {
  const loaded = await loadAssetFacts(db, assetId, { userId: who.userId, linkCreator: who.link?.createdBy ?? null }, now);
  if (!loaded) return { asset: null, permission: null, publicView: false };
  return { asset: loaded.asset, ...decideAsset(loaded, who, now) };
}

/**
 * The table above on an asset loaded with {@link loadAssetFacts} (for a
 * caller that loaded more in the same statement, such as `/s` with its link).
 */
export function requireLoadedAsset<E>(
  loaded: LoadedAsset<E> | null,
  who: Asker,
  need: Permission,
  now: Date,
  messages: GateMessages = {},
): { asset: AssetRecord; permission: Permission; publicView: boolean; extra: E } {
  const decided = loaded ? decideAsset(loaded, who, now) : null;
  if (!loaded || !decided || decided.permission === null) throw new AppError('not_found', messages.missing ?? 'No such asset.');
  if (!includes(decided.permission, need)) throw forbidden(need, messages, 'asset');
  return { asset: loaded.asset, permission: decided.permission, publicView: decided.publicView, extra: loaded.extra };
}

/**
 * The asset and `extra` columns of its row, when the caller holds `need` on
 * it; otherwise the table above. One statement for the asset, the access
 * facts and the extra columns.
 */
export async function requireAssetPermissionWith<E extends SelectedFieldsFlat>(
  db: Database,
  assetId: string,
  who: Asker,
  need: Permission,
  now: Date,
  extra: E,
  messages: GateMessages = {},
) {
  const loaded = await loadAssetFacts(db, assetId, { userId: who.userId, linkCreator: who.link?.createdBy ?? null }, now, extra);
  return requireLoadedAsset(loaded, who, need, now, messages);
}

/** The asset, when the caller holds `need` on it; otherwise the table above. */
export async function requireAssetPermission(
  db: Database,
  assetId: string,
  who: Asker,
  need: Permission,
  now: Date,
  messages: GateMessages = {},
): Promise<{ asset: AssetRecord; permission: Permission; publicView: boolean }> {
  const { asset, permission, publicView } = await requireAssetPermissionWith(db, assetId, who, need, now, {}, messages);
  return { asset, permission, publicView };
}

/** One item of {@link requireEachAssetPermission}: the access, or the error the single-asset gate would throw. */
export type EachAsset = { id: string; ok: true; asset: AssetRecord; permission: Permission } | { id: string; ok: false; error: AppError };

/**
 * The table above for each of many assets (bulk routes), loaded in ONE
 * statement and decided by the same {@link requireLoadedAsset}: an asset the
 * caller may not see answers not_found exactly like one that does not exist.
 * Results are in the order of `assetIds`.
 */
export async function requireEachAssetPermission(
  db: Database,
  assetIds: readonly string[],
  who: Asker,
  need: Permission,
  now: Date,
  messages: GateMessages = {},
): Promise<EachAsset[]> {
  const loaded = await loadAssetFactsMany(db, assetIds, { userId: who.userId, linkCreator: who.link?.createdBy ?? null }, now);
  return assetIds.map((id) => {
    try {
      const { asset, permission } = requireLoadedAsset(loaded.get(id.toLowerCase()) ?? null, who, need, now, messages);
      return { id, ok: true as const, asset, permission };
    } catch (error) {
      if (error instanceof AppError) return { id, ok: false as const, error };
      throw error;
    }
  });
}

/** The caller's permission on a collection, or null; a deleted collection reads as none. */
export async function collectionPermissionOf(
  db: Database,
  collectionId: string,
  who: Asker,
  now: Date,
): Promise<{ collection: CollectionRecord | null; permission: Permission | null }> {
  const collection = await loadCollection(db, collectionId);
  if (!collection || collection.deletedAt !== null) return { collection: null, permission: null };
  const facts = await loadCollectionFacts(db, who.userId, collection, now, who.link?.createdBy);
  return { collection, permission: collectionPermission({ collection, ...facts, link: who.link ?? null, now }) };
}

/** The live collection, when the caller holds `need` on it; otherwise the table above. */
export async function requireCollectionPermission(
  db: Database,
  collectionId: string,
  who: Asker,
  need: Permission,
  now: Date,
  messages: GateMessages = {},
): Promise<{ collection: CollectionRecord; permission: Permission }> {
  const { collection, permission } = await collectionPermissionOf(db, collectionId, who, now);
  if (!collection || permission === null) throw new AppError('not_found', messages.missing ?? 'No such collection.');
  if (!includes(permission, need)) throw forbidden(need, messages, 'collection');
  return { collection, permission };
}

export type ResourceType = 'asset' | 'collection';

export interface ResourceRef {
  type: ResourceType;
  id: string;
}

export interface AccessibleResource extends ResourceRef {
  ownerId: string;
  deletedAt: Date | null;
  permission: Permission;
}

/** Either kind of resource, for routes that take both (grants, links, audit). */
export async function requireResourcePermission(
  db: Database,
  ref: ResourceRef,
  who: Asker,
  need: Permission,
  now: Date,
): Promise<AccessibleResource> {
  const messages = { forbidden: `You need the ${need} permission on this ${ref.type}.` };
  const { resource, permission } =
    ref.type === 'asset'
      ? await requireAssetPermission(db, ref.id, who, need, now, messages).then((r) => ({ resource: r.asset, permission: r.permission }))
      : await requireCollectionPermission(db, ref.id, who, need, now, messages).then((r) => ({
          resource: r.collection,
          permission: r.permission,
        }));
  return { ...ref, ownerId: resource.ownerId, deletedAt: resource.deletedAt, permission };
}
