/**
 * What the model remembers of one run: the resources the run created (by
 * index, in creation order, so a command names "asset#1" exactly), who did
 * what to them, and the steps so far for the failure report. Everything is
 * recorded from the edge's answers: a refused command changes nothing here.
 */
import type { Level } from './model.ts';

export type ResourceType = 'asset' | 'collection';
export interface ResourceRef {
  type: ResourceType;
  idx: number;
}
export type PrincipalType = 'user' | 'group' | 'org';
export interface Principal {
  type: PrincipalType;
  idx: number;
}

export interface StoredAsset {
  id: string;
  owner: number;
  /** null: private; else everyone whose request made or kept it public since it was last private. */
  publicBy: Set<number> | null;
  deleted: boolean;
}

export interface StoredCollection {
  id: string;
  owner: number;
  deleted: boolean;
  /** asset index → the user who added it. */
  items: Map<number, number>;
}

export interface StoredOrg {
  id: string;
  /** Its creator (the org's owner). */
  owner: number;
  members: Set<number>;
}

export interface StoredGroup {
  id: string;
  org: number;
  members: Set<number>;
  deleted: boolean;
}

export interface StoredGrant {
  id: string;
  res: ResourceRef;
  principal: Principal;
  level: Level;
  /** Who made it, or last changed it. */
  grantor: number;
  /** ms since the epoch, or null for no expiry. */
  expiresAt: number | null;
  deleted: boolean;
}

export interface StoredLink {
  id: string;
  token: string;
  res: ResourceRef;
  level: 'view' | 'download';
  /** Who made it, or last changed it. */
  creator: number;
  revoked: boolean;
  allowDownload: boolean;
  maxDownloads: number | null;
  /** Downloads the edge served through this link (every 200 of an original probe). */
  downloads: number;
  expiresAt: number;
}

export interface ModelState {
  userCount: number;
  /** Unique per run: file names carry it, so search can be asked for this run's assets only. */
  tag: string;
  assets: StoredAsset[];
  collections: StoredCollection[];
  orgs: StoredOrg[];
  groups: StoredGroup[];
  grants: StoredGrant[];
  links: StoredLink[];
  /** One line per step: what was sent, what the edge answered. */
  log: string[];
  /** When the previous probe batch started (expiries passing since then count as changes). */
  lastProbeAt: number;
  steps: number;
}

export function newModel(userCount: number): ModelState {
  return {
    userCount,
    tag: `am${Math.random().toString(36).slice(2, 10)}`,
    assets: [],
    collections: [],
    orgs: [],
    groups: [],
    grants: [],
    links: [],
    log: [],
    lastProbeAt: Date.now(),
    steps: 0,
  };
}

export const resName = (r: ResourceRef) => `${r.type}#${r.idx}`;
export const principalName = (p: Principal) => (p.type === 'user' ? `u${p.idx}` : `${p.type}#${p.idx}`);
export const resourceId = (m: ModelState, r: ResourceRef) => (r.type === 'asset' ? m.assets[r.idx]!.id : m.collections[r.idx]!.id);
/** The owner of an asset or collection. */
export const ownerOf = (m: ModelState, r: ResourceRef) => (r.type === 'asset' ? m.assets[r.idx]!.owner : m.collections[r.idx]!.owner);
export const exists = (m: ModelState, r: ResourceRef) => r.idx < (r.type === 'asset' ? m.assets.length : m.collections.length);
