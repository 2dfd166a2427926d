/**
 * Org and group commands: create, join (org-join.ts), remove or leave,
 * groups and their members, group deletion (its grants go with it). A change
 * of membership can move any grant to an org or group, so it touches every
 * asset of the run.
 */
import { joinOrg } from './org-join.ts';
import type { ModelState } from './state.ts';
import { actorName, everything, expectKnown, nothing, ok, resolve, said, send, Step, type Actor, type Outcome, type Real } from './step.ts';

export const MAX_ORGS = 2;
export const MAX_GROUPS = 1;

export class CreateOrg extends Step {
  constructor(readonly user: number) {
    super();
  }
  check = (m: Readonly<ModelState>) => m.orgs.length < MAX_ORGS;
  toString = () => `u${this.user} creates an org`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const slug = `${m.tag}-${m.orgs.length}`;
    const res = await send(r, r.h.users[this.user], 'POST', '/api/orgs', { name: `Org ${slug}`, slug });
    expectKnown(res, 'create org', [201]);
    const o = m.orgs.push({ id: res.body.id, owner: this.user, members: new Set([this.user]) }) - 1;
    return { line: `201 org#${o}`, touched: nothing() };
  }
}

export class JoinOrg extends Step {
  constructor(
    readonly inviter: Actor,
    readonly org: number,
    readonly invitee: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.org < m.orgs.length;
  toString = () => `${actorName(this.inviter, `org#${this.org}`)} brings u${this.invitee} into org#${this.org}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const org = m.orgs[this.org]!;
    const inviter = resolve(this.inviter, org.owner);
    const { joined, line } = await joinOrg(r, r.h.users[inviter]!, org.id, r.h.users[this.invitee]!);
    if (joined) org.members.add(this.invitee);
    return { line: `[u${inviter}] ${line}`, touched: everything(m) };
  }
}

export class RemoveMember extends Step {
  constructor(
    readonly actor: Actor,
    readonly org: number,
    readonly member: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.org < m.orgs.length;
  toString = () =>
    this.actor === this.member
      ? `u${this.member} leaves org#${this.org}`
      : `${actorName(this.actor, `org#${this.org}`)} removes u${this.member} from org#${this.org}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const org = m.orgs[this.org]!;
    const actor = resolve(this.actor, org.owner);
    const res = await send(r, r.h.users[actor], 'DELETE', `/api/orgs/${org.id}/members/${r.h.users[this.member]!.id}`);
    expectKnown(res, 'remove member', [204, 403, 404, 409]);
    if (ok(res, 204)) {
      org.members.delete(this.member);
      // Leaving an org leaves its groups.
      for (const g of m.groups) if (g.org === this.org) g.members.delete(this.member);
    }
    return { line: `[u${actor}] ${said(res)}`, touched: everything(m) };
  }
}

export class CreateGroup extends Step {
  constructor(
    readonly actor: Actor,
    readonly org: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.org < m.orgs.length && m.groups.length < MAX_GROUPS;
  toString = () => `${actorName(this.actor, `org#${this.org}`)} creates a group in org#${this.org}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const actor = resolve(this.actor, m.orgs[this.org]!.owner);
    const res = await send(r, r.h.users[actor], 'POST', `/api/orgs/${m.orgs[this.org]!.id}/groups`, { name: `group ${m.groups.length}` });
    expectKnown(res, 'create group', [201, 403, 404, 409]);
    let line = `[u${actor}] ${said(res)}`;
    if (ok(res, 201)) line += ` group#${m.groups.push({ id: res.body.id, org: this.org, members: new Set(), deleted: false }) - 1}`;
    return { line, touched: nothing() };
  }
}

export class GroupMember extends Step {
  constructor(
    readonly actor: Actor,
    readonly group: number,
    readonly member: number,
    readonly add: boolean,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.group < m.groups.length;
  toString = () =>
    `${actorName(this.actor, `group#${this.group}'s org`)} ${this.add ? 'adds' : 'removes'} u${this.member} ${this.add ? 'to' : 'from'} group#${this.group}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const g = m.groups[this.group]!;
    const who = resolve(this.actor, m.orgs[g.org]!.owner);
    const actor = r.h.users[who];
    const memberId = r.h.users[this.member]!.id;
    const res = this.add
      ? await send(r, actor, 'POST', `/api/groups/${g.id}/members`, { userId: memberId })
      : await send(r, actor, 'DELETE', `/api/groups/${g.id}/members/${memberId}`);
    expectKnown(res, 'group member', [201, 204, 403, 404, 409]);
    if (this.add && ok(res, 201)) g.members.add(this.member);
    if (!this.add && ok(res, 204)) g.members.delete(this.member);
    return { line: `[u${who}] ${said(res)}`, touched: everything(m) };
  }
}

export class DeleteGroup extends Step {
  constructor(
    readonly actor: Actor,
    readonly group: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.group < m.groups.length;
  toString = () => `${actorName(this.actor, `group#${this.group}'s org`)} deletes group#${this.group}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const g = m.groups[this.group]!;
    const who = resolve(this.actor, m.orgs[g.org]!.owner);
    const res = await send(r, r.h.users[who], 'DELETE', `/api/groups/${g.id}`);
    expectKnown(res, 'delete group', [204, 403, 404]);
    if (ok(res, 204)) {
      g.deleted = true;
      for (const grant of m.grants) if (grant.principal.type === 'group' && grant.principal.idx === this.group) grant.deleted = true;
    }
    return { line: `[u${who}] ${said(res)}`, touched: everything(m) };
  }
}
