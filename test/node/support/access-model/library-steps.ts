/**
 * Library commands: upload (optionally straight into a collection), public
 * or private, trash, restore, purge request; collections and their items.
 * Each records in the model only what the edge accepted.
 */
import type { ModelState } from './state.ts';
import { actorName, expectKnown, nothing, ok, resolve, said, send, Step, touchedBy, type Actor, type Outcome, type Real } from './step.ts';

export const MAX_ASSETS = 3;
export const MAX_COLLECTIONS = 2;

export class Upload extends Step {
  /** `owner`: the owner of the collection it goes into (only they may upload into it). */
  constructor(
    readonly actor: Actor,
    readonly into: number | null,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) =>
    m.assets.length < MAX_ASSETS && (this.into === null ? this.actor !== 'owner' : this.into < m.collections.length);
  toString = () =>
    `${actorName(this.actor, `collection#${this.into}`)} uploads${this.into === null ? '' : ` into collection#${this.into}`}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const { h } = r;
    const user = resolve(this.actor, this.into === null ? -1 : m.collections[this.into]!.owner);
    const filename = `am-${m.tag}-${m.assets.length}.png`;
    const body = {
      filename,
      size: h.png.byteLength,
      contentType: 'image/png',
      ...(this.into === null ? {} : { collectionId: m.collections[this.into]!.id }),
    };
    const res = await send(r, h.users[user], 'POST', '/api/uploads', body);
    expectKnown(res, 'upload', [201, 404]);
    if (!ok(res, 201)) return { line: `[u${user}] ${said(res)}`, touched: nothing() };
    const put = await fetch(res.body.url, { method: 'PUT', headers: res.body.headers, body: h.png });
    if (put.status !== 200) throw new Error(`PUT original: ${put.status} ${await put.text()}`);
    // A derivative to read through /m, as the pipeline would leave one (it is not running here).
    await h.storage.put('derivatives', `${res.body.assetId}/w150.webp`, h.png, {
      contentType: 'image/webp',
      contentLength: h.png.byteLength,
    });
    const a = m.assets.push({ id: res.body.assetId, owner: user, publicBy: null, deleted: false }) - 1;
    if (this.into !== null) m.collections[this.into]!.items.set(a, user);
    return { line: `[u${user}] 201 asset#${a}`, touched: touchedBy(m, { type: 'asset', idx: a }) };
  }
}

export class SetVisibility extends Step {
  constructor(
    readonly actor: Actor,
    readonly asset: number,
    readonly pub: boolean,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.asset < m.assets.length;
  toString = () => `${actorName(this.actor, `asset#${this.asset}`)} makes asset#${this.asset} ${this.pub ? 'public' : 'private'}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const asset = m.assets[this.asset]!;
    const user = resolve(this.actor, asset.owner, m, { type: 'asset', idx: this.asset });
    const res = await send(r, r.h.users[user], 'PATCH', `/api/assets/${asset.id}`, { visibility: this.pub ? 'public' : 'private' });
    expectKnown(res, 'visibility', [200, 403, 404, 409]);
    if (ok(res, 200)) {
      // Everyone who asked for public since it was last private: the edge may credit the first or the last of them.
      asset.publicBy = this.pub ? new Set([...(asset.publicBy ?? []), user]) : null;
    }
    return { line: `[u${user}] ${said(res)}`, touched: touchedBy(m, { type: 'asset', idx: this.asset }) };
  }
}

export class Lifecycle extends Step {
  constructor(
    readonly actor: Actor,
    readonly asset: number,
    readonly op: 'delete' | 'restore' | 'purge',
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.asset < m.assets.length;
  toString = () => `${actorName(this.actor, `asset#${this.asset}`)} ${this.op}s asset#${this.asset}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const asset = m.assets[this.asset]!;
    const who = resolve(this.actor, asset.owner, m, { type: 'asset', idx: this.asset });
    const user = r.h.users[who];
    const res =
      this.op === 'delete'
        ? await send(r, user, 'DELETE', `/api/assets/${asset.id}`)
        : await send(r, user, 'POST', `/api/assets/${asset.id}/${this.op}`);
    expectKnown(res, this.op, [200, 202, 204, 403, 404, 409]);
    if (this.op === 'delete' && ok(res, 204)) asset.deleted = true;
    if (this.op === 'restore' && ok(res, 200)) asset.deleted = false;
    return { line: `[u${who}] ${said(res)}`, touched: touchedBy(m, { type: 'asset', idx: this.asset }) };
  }
}

export class CreateCollection extends Step {
  constructor(readonly user: number) {
    super();
  }
  check = (m: Readonly<ModelState>) => m.collections.length < MAX_COLLECTIONS;
  toString = () => `u${this.user} creates a collection`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const res = await send(r, r.h.users[this.user], 'POST', '/api/collections', { name: `album ${m.collections.length}` });
    expectKnown(res, 'create collection', [201]);
    const c = m.collections.push({ id: res.body.id, owner: this.user, deleted: false, items: new Map() }) - 1;
    return { line: `201 collection#${c}`, touched: nothing() };
  }
}

export class DeleteCollection extends Step {
  constructor(
    readonly actor: Actor,
    readonly collection: number,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.collection < m.collections.length;
  toString = () => `${actorName(this.actor, `collection#${this.collection}`)} deletes collection#${this.collection}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const col = m.collections[this.collection]!;
    const who = resolve(this.actor, col.owner, m, { type: 'collection', idx: this.collection });
    const res = await send(r, r.h.users[who], 'DELETE', `/api/collections/${col.id}`);
    expectKnown(res, 'delete collection', [204, 403, 404]);
    const touched = touchedBy(m, { type: 'collection', idx: this.collection });
    if (ok(res, 204)) col.deleted = true;
    return { line: `[u${who}] ${said(res)}`, touched };
  }
}

export class Item extends Step {
  constructor(
    readonly actor: Actor,
    readonly collection: number,
    readonly asset: number,
    readonly add: boolean,
  ) {
    super();
  }
  check = (m: Readonly<ModelState>) => this.collection < m.collections.length && this.asset < m.assets.length;
  toString = () =>
    `${actorName(this.actor, `collection#${this.collection}`)} ${this.add ? 'adds' : 'removes'} asset#${this.asset} ${this.add ? 'to' : 'from'} collection#${this.collection}`;
  protected async act(m: ModelState, r: Real): Promise<Outcome> {
    const col = m.collections[this.collection]!;
    const assetId = m.assets[this.asset]!.id;
    const who = resolve(this.actor, col.owner, m, { type: 'collection', idx: this.collection });
    const user = r.h.users[who];
    const res = this.add
      ? await send(r, user, 'POST', `/api/collections/${col.id}/items`, { assetId })
      : await send(r, user, 'DELETE', `/api/collections/${col.id}/items/${assetId}`);
    expectKnown(res, 'item', [201, 204, 403, 404, 409]);
    const touched = touchedBy(m, { type: 'collection', idx: this.collection }, this.asset);
    if (this.add && ok(res, 201)) col.items.set(this.asset, who);
    if (!this.add && ok(res, 204)) col.items.delete(this.asset);
    return { line: `[u${who}] ${said(res)}`, touched };
  }
}
