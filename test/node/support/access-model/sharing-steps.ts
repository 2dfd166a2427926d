/**
 * Sharing commands: grants (create or update, change, delete) to users,
 * groups and orgs at every level, optionally expiring a few seconds later,
 * and share links (create, change, end, revoke) on assets and collections.
 * Whatever the edge accepts is recorded with who did it, even from someone
 * the rule does not count as a sharer (the model then gives it no effect);
 * a refusal records nothing.
 */
import type { Level } from './model.ts';
import { exists, ownerOf, principalName, resName, resourceId, type ModelState, type Principal, type ResourceRef } from './state.ts';
import { actorName, expectKnown, ok, resolve, said, send, Step, touchedBy, type Actor, type Outcome, type Real } from './step.ts';

const principalExists = (m: Readonly<ModelState>, p: Principal) =>
  p.type === 'user' ? p.idx < m.userCount : p.type === 'group' ? p.idx < m.groups.length : p.idx < m.orgs.length;

const principalId = (m: ModelState, r: Real, p: Principal) =>
  p.type === 'user' ? r.h.users[p.idx]!.id : p.type === 'group' ? m.groups[p.idx]!.id : m.orgs[p.idx]!.id;

export class Grant extends Step {
  constructor(
    readonly actor: Actor,
    readonly res: ResourceRef,
    readonly principal: Principal,
    readonly level: Level,
    /** Seconds until it expires, or null for none. */
    readonly expiresIn: number | null,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => exists(m as ModelState, this.res) && principalExists(m, this.principal);
  toString = () =>
    `${actorName(this.actor, resName(this.res))} grants ${principalName(this.principal)} ${this.level} on ${resName(this.res)}${this.expiresIn === null ? '' : ` for ${this.expiresIn}s`}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const expiresAt = this.expiresIn === null ? null : Date.now() + this.expiresIn * 1000;
    const user = resolve(this.actor, ownerOf(m, this.res), m, this.res);
    const res = await send(r, r.h.users[user], 'POST', '/api/grants', {
      resourceType: this.res.type,
      resourceId: resourceId(m, this.res),
      principalType: this.principal.type,
      principalId: principalId(m, r, this.principal),
      permission: this.level,
      ...(expiresAt === null ? {} : { expiresAt: new Date(expiresAt).toISOString() }),
    });
    expectKnown(res, 'grant', [200, 201, 400, 403, 404, 409]);
    let line = `[u${user}] ${said(res)}`;
    if (ok(res, 200, 201)) {
      const same = (g: (typeof m.grants)[number]) =>
        !g.deleted &&
        g.res.type === this.res.type &&
        g.res.idx === this.res.idx &&
        g.principal.type === this.principal.type &&
        g.principal.idx === this.principal.idx;
      const existing = m.grants.findIndex(same);
      const fields = { id: res.body.id as string, level: this.level, grantor: user, expiresAt };
      if (existing >= 0) Object.assign(m.grants[existing]!, fields);
      const g = existing >= 0 ? existing : m.grants.push({ ...fields, res: this.res, principal: this.principal, deleted: false }) - 1;
      line += ` grant#${g}`;
    }
    return { line, touched: touchedBy(m, this.res) };
  }
}

export class ChangeGrant extends Step {
  constructor(
    readonly actor: Actor,
    readonly grant: number,
    readonly change: { level: Level } | { expiresIn: number | null },
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.grant < m.grants.length;
  toString = () =>
    `${actorName(this.actor, `grant#${this.grant}'s resource`)} changes grant#${this.grant} to ${'level' in this.change ? this.change.level : this.change.expiresIn === null ? 'no expiry' : `expire in ${this.change.expiresIn}s`}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const g = m.grants[this.grant]!;
    const expiresAt = 'expiresIn' in this.change && this.change.expiresIn !== null ? Date.now() + this.change.expiresIn * 1000 : null;
    const body =
      'level' in this.change
        ? { permission: this.change.level }
        : { expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
    const user = resolve(this.actor, ownerOf(m, g.res), m, g.res);
    const res = await send(r, r.h.users[user], 'PATCH', `/api/grants/${g.id}`, body);
    expectKnown(res, 'change grant', [200, 400, 403, 404]);
    if (ok(res, 200)) {
      // The one who changed it now answers for it.
      g.grantor = user;
      if ('level' in this.change) g.level = this.change.level;
      else g.expiresAt = expiresAt;
    }
    return { line: `[u${user}] ${said(res)}`, touched: touchedBy(m, g.res) };
  }
}

export class DeleteGrant extends Step {
  constructor(
    readonly actor: Actor,
    readonly grant: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.grant < m.grants.length;
  toString = () => `${actorName(this.actor, `grant#${this.grant}'s resource`)} deletes grant#${this.grant}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const g = m.grants[this.grant]!;
    const user = resolve(this.actor, ownerOf(m, g.res), m, g.res);
    const res = await send(r, r.h.users[user], 'DELETE', `/api/grants/${g.id}`);
    expectKnown(res, 'delete grant', [204, 403, 404]);
    if (ok(res, 204)) g.deleted = true;
    return { line: `[u${user}] ${said(res)}`, touched: touchedBy(m, g.res) };
  }
}

export class CreateLink extends Step {
  constructor(
    readonly actor: Actor,
    readonly res: ResourceRef,
    readonly level: 'view' | 'download',
    readonly allowDownload: boolean,
    readonly maxDownloads: number | null,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => exists(m as ModelState, this.res) && m.links.length < 6;
  toString = () =>
    `${actorName(this.actor, resName(this.res))} creates a ${this.level} link on ${resName(this.res)}${this.allowDownload ? '' : ' (downloads off)'}${this.maxDownloads === null ? '' : ` (max ${this.maxDownloads} downloads)`}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const user = resolve(this.actor, ownerOf(m, this.res), m, this.res);
    const res = await send(r, r.h.users[user], 'POST', '/api/share-links', {
      resourceType: this.res.type,
      resourceId: resourceId(m, this.res),
      permission: this.level,
      allowDownload: this.allowDownload,
      maxDownloads: this.maxDownloads,
      expiresInSeconds: 3600,
    });
    expectKnown(res, 'create link', [201, 403, 404, 409]);
    let line = `[u${user}] ${said(res)}`;
    if (ok(res, 201)) {
      const l =
        m.links.push({
          id: res.body.id,
          token: res.body.token,
          res: this.res,
          level: this.level,
          creator: user,
          revoked: false,
          allowDownload: this.allowDownload,
          maxDownloads: this.maxDownloads,
          downloads: 0,
          expiresAt: Date.parse(res.body.expiresAt),
        }) - 1;
      line += ` link#${l}`;
    }
    return { line, touched: touchedBy(m, this.res) };
  }
}

export type LinkChange =
  | { level: 'view' | 'download' }
  | { allowDownload: boolean }
  | { maxDownloads: number | null }
  | { end: true }
  | { revoke: true };

export class ChangeLink extends Step {
  constructor(
    readonly actor: Actor,
    readonly link: number,
    readonly change: LinkChange,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.link < m.links.length;
  toString = () =>
    `${actorName(this.actor, `link#${this.link}'s resource`)} ${'revoke' in this.change ? 'revokes' : 'end' in this.change ? 'ends' : `sets ${JSON.stringify(this.change)} on`} link#${this.link}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const l = m.links[this.link]!;
    const who = resolve(this.actor, ownerOf(m, l.res), m, l.res);
    const user = r.h.users[who];
    const c = this.change;
    const ended = Date.now() - 1000;
    const res =
      'revoke' in c
        ? await send(r, user, 'DELETE', `/api/share-links/${l.id}`)
        : await send(
            r,
            user,
            'PATCH',
            `/api/share-links/${l.id}`,
            'level' in c ? { permission: c.level } : 'end' in c ? { expiresAt: new Date(ended).toISOString() } : c,
          );
    expectKnown(res, 'change link', [200, 204, 403, 404, 409]);
    if (ok(res, 204)) l.revoked = true;
    if (ok(res, 200)) {
      // Whoever last changed a link answers for it (share_links.created_by), as for grants.
      l.creator = who;
      if ('level' in c) l.level = c.level;
      if ('allowDownload' in c) l.allowDownload = c.allowDownload;
      if ('maxDownloads' in c) l.maxDownloads = c.maxDownloads;
      if ('end' in c) l.expiresAt = ended;
    }
    const touched = touchedBy(m, l.res);
    touched.links.add(this.link);
    return { line: `[u${who}] ${said(res)}`, touched };
  }
}
