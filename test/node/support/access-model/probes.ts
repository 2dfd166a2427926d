/**
 * What the edge actually grants, read through the real HTTP API. Each probe
 * does one operation and turns the answer into the least permission the
 * edge must have decided on: 200 means the operation's level; 403 (and a 409
 * "in the trash" after the permission check) still reveals the asset, so at
 * least `view`; 404 / 410 nothing. Any other status is a failure of its own.
 *
 * view: the asset's detail (which also names the edge's own idea of the
 * caller's permission), its status, a derivative through /m; download: the
 * original through /m (Bearer) or the link's /s path; edit: a title change
 * (harmless: the model does not track titles); manage: the grants, the audit
 * log or the links of the asset. None of them changes what the model tracks,
 * except downloads through a capped link, which the caller counts.
 */
import type { Harness } from './harness.ts';
import { LEVELS, type Bound, type Level } from './model.ts';

export type UserProbe = 'detail' | 'status' | 'thumb' | 'original' | 'edit' | 'grants' | 'audit' | 'links';
export type LinkProbe = 'thumb' | 'original';

export interface Observation {
  /** The least permission the answer proves. */
  level: Bound;
  status: number;
  /** For `detail`: the permission the edge reports. */
  claimed?: Bound;
}

/** The probes that prove each level. */
export const PROBES_FOR: Record<Level, UserProbe[]> = {
  view: ['detail', 'status', 'thumb'],
  download: ['original'],
  edit: ['edit'],
  manage: ['grants', 'audit', 'links'],
};

const LEVEL_OF: Record<UserProbe, Level> = {
  detail: 'view',
  status: 'view',
  thumb: 'view',
  original: 'download',
  edit: 'edit',
  grants: 'manage',
  audit: 'manage',
  links: 'manage',
};

export class UnexpectedAnswer extends Error {}

function unexpected(what: string, status: number, text: string): never {
  throw new UnexpectedAnswer(`${what}: unexpected ${status} ${text.slice(0, 300)}`);
}

let titles = 0;

/** One operation as a user (token) or anonymously (no token). */
export async function probeUser(h: Harness, token: string | undefined, assetId: string, probe: UserProbe): Promise<Observation> {
  const c = h.client;
  const manageQuery = `resourceType=asset&resourceId=${assetId}`;
  const res =
    probe === 'detail'
      ? await c.call('GET', `/api/assets/${assetId}`, { token })
      : probe === 'status'
        ? await c.call('GET', `/api/assets/${assetId}/status`, { token })
        : probe === 'thumb'
          ? await c.call('GET', `/m/${assetId}/w150.webp`, { token })
          : probe === 'original'
            ? await c.call('GET', `/m/${assetId}/original`, { token })
            : probe === 'edit'
              ? await c.call('PATCH', `/api/assets/${assetId}`, { token, json: { title: `probe ${++titles}` } })
              : probe === 'grants'
                ? await c.call('GET', `/api/grants?${manageQuery}`, { token })
                : probe === 'audit'
                  ? await c.call('GET', `/api/audit?${manageQuery}&limit=1`, { token })
                  : await c.call('GET', `/api/share-links?${manageQuery}`, { token });
  const what = `${probe} ${assetId}`;
  if (res.status === 404) return { level: null, status: 404, ...(probe === 'detail' ? { claimed: null } : {}) };
  if (res.status === 200) {
    if (probe !== 'detail') return { level: LEVEL_OF[probe], status: 200 };
    const claimed = res.body?.permission;
    if (!LEVELS.includes(claimed)) unexpected(what, res.status, res.text);
    return { level: claimed, status: 200, claimed };
  }
  const revealing = probe === 'original' || probe === 'edit' || probe === 'grants' || probe === 'audit' || probe === 'links';
  if (revealing && (res.status === 403 || (probe === 'edit' && res.status === 409))) return { level: 'view', status: res.status };
  return unexpected(what, res.status, res.text);
}

/** A link's media path for one asset: `/s/<token>/<variant>`, or `/s/<token>/<assetId>/<variant>` for a collection link. */
export async function probeLink(
  h: Harness,
  token: string,
  collectionLink: boolean,
  assetId: string,
  probe: LinkProbe,
): Promise<Observation> {
  const variant = probe === 'thumb' ? 'w150.webp' : 'original';
  const res = await h.client.call('GET', collectionLink ? `/s/${token}/${assetId}/${variant}` : `/s/${token}/${variant}`);
  if (res.status === 200) return { level: probe === 'thumb' ? 'view' : 'download', status: 200 };
  if (res.status === 404 || res.status === 410) return { level: null, status: res.status };
  // Refusing the original still serves the rest; refusing a derivative serves nothing.
  if (res.status === 403) return { level: probe === 'original' ? 'view' : null, status: 403 };
  return unexpected(`link ${probe} ${assetId}`, res.status, res.text);
}

/**
 * What the holder's page of a link shows: asset id → `view`, or `download`
 * when it lists the original. A gone (410), refused (403) or unknown (404)
 * link shows nothing.
 */
export async function probeLinkPage(h: Harness, token: string): Promise<Map<string, Level>> {
  const res = await h.client.call('GET', `/api/share/${token}?limit=100`);
  const shown = new Map<string, Level>();
  if (res.status === 410 || res.status === 403 || res.status === 404) return shown;
  if (res.status !== 200) unexpected('link page', res.status, res.text);
  const assets: any[] = res.body.asset ? [res.body.asset] : (res.body.collection?.items ?? []);
  for (const a of assets) shown.set(a.id, (a.media ?? []).some((m: any) => m.variant === 'original') ? 'download' : 'view');
  return shown;
}

/** Asset ids a signed-in user's library list or search shows (first page, newest first: a run's own assets come first). */
export async function probeList(
  h: Harness,
  token: string,
  kind: 'library' | 'search' | 'collection',
  arg: string,
): Promise<string[] | null> {
  const path =
    kind === 'library'
      ? '/api/assets?scope=all&limit=100'
      : kind === 'search'
        ? `/api/search?q=${encodeURIComponent(arg)}&limit=100`
        : `/api/collections/${arg}?limit=100`;
  const res = await h.client.call('GET', path, { token });
  if (kind === 'collection' && res.status === 404) return null;
  if (res.status !== 200) unexpected(`${kind} list`, res.status, res.text);
  return (res.body.items as { id: string }[]).map((i) => i.id);
}
