/**
 * One command of a run: it names everything by index (u1, asset#0,
 * collection#2, grant#3, ...), so the counterexample fast-check prints reads
 * exactly; a command naming something the run has not created yet is
 * skipped (`check`). `act` sends the request(s), records in the model what
 * the edge accepted, and says which assets and links it could have changed;
 * then the edge is checked against the model.
 */
import type fc from 'fast-check';
import { checkEdge, type Touched } from './checks.ts';
import type { Harness, User } from './harness.ts';
import type { Reply } from './http.ts';
import { assetSharers, collectionSharers } from './model.ts';
import type { ModelState, ResourceRef } from './state.ts';

export interface Real {
  h: Harness;
}

export interface Outcome {
  /** What was sent and answered, for the failure report. */
  line: string;
  touched: Touched;
}

export abstract class Step implements fc.AsyncCommand<ModelState, Real> {
  abstract check(m: Readonly<ModelState>): boolean;
  protected abstract act(m: ModelState, r: Real): Promise<Outcome>;
  abstract toString(): string;

  async run(m: ModelState, r: Real): Promise<void> {
    await checkEdge(m, r.h, await this.perform(m, r));
  }

  /** Sends the command and records it, without checking the edge (the prologue uses this alone). */
  async perform(m: ModelState, r: Real): Promise<Touched> {
    m.steps++;
    const { line, touched } = await this.act(m, r);
    m.log.push(`${m.steps}. ${this.toString()} → ${line}`);
    return touched;
  }
}

/**
 * Who sends a command: a given user, the owner (creator) of the thing it is
 * about, or a manager of it — the first user other than the owner whom the
 * model counts as a sharer of it now (else the first other user). Managers
 * matter: what they pass on must end when they stop being one.
 */
export type Actor = number | 'owner' | 'manager';
export const actorName = (a: Actor, of: string) => (typeof a === 'number' ? `u${a}` : `${a}(${of})`);

export function resolve(a: Actor, owner: number, m?: ModelState, res?: ResourceRef): number {
  if (typeof a === 'number') return a;
  if (a === 'owner' || !m || !res) return owner;
  const t = Date.now();
  const sharers = res.type === 'asset' ? assetSharers(m, res.idx, t) : collectionSharers(m, res.idx, t);
  const others = Array.from({ length: m.userCount }, (_, u) => u).filter((u) => u !== owner);
  return others.find((u) => sharers.has(u)) ?? others[0]!;
}

export const nothing = (): Touched => ({ assets: new Set(), links: new Set() });
export const everything = (m: ModelState): Touched => ({ assets: new Set(m.assets.keys()), links: new Set(m.links.keys()) });

/** The assets and links a change to this resource can reach: the asset, or a collection's items; links on it. */
export function touchedBy(m: ModelState, res: ResourceRef, extraAsset?: number): Touched {
  const t = nothing();
  if (res.type === 'asset') t.assets.add(res.idx);
  else for (const a of m.collections[res.idx]!.items.keys()) t.assets.add(a);
  if (extraAsset !== undefined) t.assets.add(extraAsset);
  m.links.forEach((l, i) => {
    if (l.res.type === res.type && l.res.idx === res.idx) t.links.add(i);
  });
  return t;
}

export async function send(r: Real, as: User | undefined, method: string, path: string, json?: unknown): Promise<Reply> {
  return r.h.client.call(method, path, { ...(as ? { token: as.token } : {}), ...(json === undefined ? {} : { json }) });
}

/** `201`, or `403 forbidden` with the error code, for the report. */
export const said = (res: Reply) => `${res.status}${res.status >= 400 ? ` ${res.body?.error?.code ?? ''}` : ''}`;

export const ok = (res: Reply, ...statuses: number[]) => statuses.includes(res.status);

/** A status outside what a command expects (5xx, 401, ...) is a failure of its own. */
export function expectKnown(res: Reply, what: string, statuses: number[]): void {
  if (!statuses.includes(res.status)) throw new Error(`${what}: unexpected ${res.status} ${res.text.slice(0, 300)}`);
}
