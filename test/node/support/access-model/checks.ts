/**
 * The property, checked against the edge after every step and once more in
 * full when a run ends: no probe may show a permission above the model's
 * bound (for a user, an anonymous caller or a link holder, on every asset of
 * the run), and no list may show an asset the model says the caller cannot
 * view. A few cheap lower bounds ride along (the owner has manage; a grant
 * the owner made directly is honoured).
 *
 * After a step only the assets the step could have touched are probed, and
 * only above the bound (nothing at or below it can break the property); the
 * end-of-run sweep probes every pair, link and list, so a change that leaks
 * to an asset the step did not name is still caught. Requests are the cost
 * here (each opens a database connection through the relay), so routes
 * proving the same level take turns rather than all being asked each time.
 */
import { inParallel } from './http.ts';
import type { Harness } from './harness.ts';
import { assetSharers, levelAbove, linkBound, rank, userBound, anonymousBound, type Bound } from './model.ts';
import { lowerBound, ownerLinkShown } from './lower-bounds.ts';
import { probeLink, probeLinkPage, probeList, probeUser, PROBES_FOR, type Observation, type UserProbe } from './probes.ts';
import type { ModelState } from './state.ts';

export interface Touched {
  assets: Set<number>;
  links: Set<number>;
}

export class AccessViolation extends Error {}

type Check = () => Promise<string[]>;
const PARALLEL = 6;

function judge(what: string, bound: Bound, o: Observation, lower: Bound = null): string[] {
  const out: string[] = [];
  if (rank(o.level) > rank(bound))
    out.push(`${what}: edge grants ${o.level} (HTTP ${o.status}), model allows at most ${bound ?? 'nothing'}`);
  if (o.claimed !== undefined && rank(o.claimed) > rank(bound))
    out.push(`${what}: edge reports permission ${o.claimed}, model allows at most ${bound ?? 'nothing'}`);
  if (rank(o.level) < rank(lower))
    out.push(`${what}: LOWER BOUND: edge grants ${o.level ?? 'nothing'} (HTTP ${o.status}), model requires at least ${lower}`);
  return out;
}

/**
 * The probes above `bound`, taking turns between the routes that prove the
 * same level: after a step the detail (which reports the edge's whole
 * answer) and one route proving the next level; in a sweep also one proving
 * a level beyond that.
 */
function probesAbove(bound: Bound, sweep: boolean, turn: number): UserProbe[] {
  const out: UserProbe[] = ['detail'];
  const next = levelAbove(bound);
  if (next && (sweep || next !== 'view')) {
    const ps = PROBES_FOR[next].filter((p) => p !== 'detail');
    out.push(ps[turn % ps.length]!);
  }
  if (!sweep || !next) return out;
  const beyond: UserProbe[] = [];
  for (let l = levelAbove(next); l; l = levelAbove(l)) beyond.push(...PROBES_FOR[l]);
  if (beyond.length) out.push(beyond[turn % beyond.length]!);
  return out;
}

function userChecks(m: ModelState, h: Harness, a: number, t: number, sweep: boolean): Check[] {
  const asset = m.assets[a]!;
  const checks: Check[] = [];
  for (const user of h.users) {
    const bound = userBound(m, user.idx, a, t);
    const lower = sweep ? lowerBound(m, user.idx, a) : null;
    if (bound === 'manage' && lower === null) continue;
    const probes: UserProbe[] = bound === 'manage' ? ['detail'] : probesAbove(bound, sweep, m.steps + user.idx + a);
    for (const p of probes) {
      checks.push(async () =>
        judge(`u${user.idx} ${p} asset#${a}`, bound, await probeUser(h, user.token, asset.id, p), p === 'detail' ? lower : null),
      );
    }
  }
  const anon = anonymousBound(m, a, t);
  const anonProbes: UserProbe[] =
    anon === 'view' ? ['original'] : sweep ? ['detail', m.steps % 2 ? 'status' : 'thumb', 'original'] : ['detail'];
  for (const p of anonProbes) checks.push(async () => judge(`anonymous ${p} asset#${a}`, anon, await probeUser(h, undefined, asset.id, p)));
  return checks;
}

function linkChecks(m: ModelState, h: Harness, touched: Touched, t: number, sweep: boolean): Check[] {
  const checks: Check[] = [];
  m.links.forEach((link, l) => {
    const scope = link.res.type === 'asset' ? [link.res.idx] : m.assets.map((_, a) => a);
    const assets = sweep ? scope : scope.filter((a) => touched.assets.has(a));
    if (!sweep && !touched.links.has(l) && assets.length === 0) return;
    const bounds = new Map(m.assets.map((_, a) => [a, linkBound(m, l, a, t)]));
    checks.push(async () => {
      const shown = await probeLinkPage(h, link.token);
      return m.assets.flatMap((asset, a) => {
        const level = shown.get(asset.id) ?? null;
        const lower = sweep && ownerLinkShown(m, l, a, t) ? 'view' : null;
        return judge(`link#${l} page shows asset#${a}`, bounds.get(a)!, { level, status: 200 }, lower);
      });
    });
    for (const a of assets) {
      const bound = bounds.get(a)!;
      const probes = (['thumb', 'original'] as const).filter((p) => (p === 'thumb' ? sweep && bound === null : bound !== 'download'));
      for (const p of probes) {
        checks.push(async () => {
          const o = await probeLink(h, link.token, link.res.type === 'collection', m.assets[a]!.id, p);
          if (p === 'original' && o.status === 200) link.downloads++;
          return judge(`link#${l} ${p} asset#${a}`, bound, o);
        });
      }
    }
  });
  return checks;
}

function listChecks(m: ModelState, h: Harness, t: number, sweep: boolean): Check[] {
  const n = h.users.length;
  const users = sweep ? h.users : [h.users[m.steps % n]!];
  const kinds = sweep ? (['library', 'search'] as const) : ([(['library', 'search'] as const)[Math.floor(m.steps / n) % 2]!] as const);
  const checks: Check[] = [];
  for (const user of users) {
    const bounds = m.assets.map((_, a) => userBound(m, user.idx, a, t));
    const judgeList = (what: string, ids: string[] | null, ownMustShow: boolean) =>
      m.assets.flatMap((asset, a) => {
        const shown = ids?.includes(asset.id) ?? false;
        const out = judge(`u${user.idx} ${what} lists asset#${a}`, asset.deleted ? null : bounds[a]!, {
          level: shown ? 'view' : null,
          status: 200,
        });
        if (ownMustShow && asset.owner === user.idx && !asset.deleted && !shown)
          out.push(`u${user.idx} ${what}: LOWER BOUND: own live asset#${a} missing`);
        return out;
      });
    for (const kind of kinds) checks.push(async () => judgeList(kind, await probeList(h, user.token, kind, m.tag), true));
    if (!sweep) continue;
    m.collections.forEach((col, c) => {
      if (!col.deleted) checks.push(async () => judgeList(`collection#${c}`, await probeList(h, user.token, 'collection', col.id), false));
    });
  }
  return checks;
}

/** Marks what expired since the last probe batch as touched: expiry changes rights too. */
function touchExpired(m: ModelState, touched: Touched, t: number): void {
  const passed = (at: number | null) => at !== null && at > m.lastProbeAt && at <= t;
  const touchRes = (type: 'asset' | 'collection', idx: number) => {
    if (type === 'asset') touched.assets.add(idx);
    else for (const a of m.collections[idx]!.items.keys()) touched.assets.add(a);
  };
  for (const g of m.grants) if (passed(g.expiresAt)) touchRes(g.res.type, g.res.idx);
  m.links.forEach((l, i) => {
    if (passed(l.expiresAt)) touched.links.add(i);
  });
}

/**
 * Waits until the grants and links due to expire within `capMs` have
 * expired, so that the end-of-run sweep sees the rights they carried (and
 * everything passed on through them) end; later expiries are left alone.
 */
export async function settleExpiries(m: ModelState, capMs: number): Promise<void> {
  const now = Date.now();
  const due = [...m.grants.filter((g) => !g.deleted).map((g) => g.expiresAt), ...m.links.map((l) => l.expiresAt)].filter(
    (at): at is number => at !== null && at > now && at <= now + capMs,
  );
  if (due.length) await new Promise((resolve) => setTimeout(resolve, Math.max(...due) - now + 20));
}

export async function checkEdge(m: ModelState, h: Harness, touched: Touched | 'all'): Promise<void> {
  const sweep = touched === 'all';
  const t = Date.now();
  const scope: Touched = sweep ? { assets: new Set(m.assets.keys()), links: new Set(m.links.keys()) } : touched;
  touchExpired(m, scope, t);
  m.lastProbeAt = t;
  const checks = [
    ...[...scope.assets].flatMap((a) => userChecks(m, h, a, t, sweep)),
    ...linkChecks(m, h, scope, t, sweep),
    ...(scope.assets.size ? listChecks(m, h, t, sweep) : []),
  ];
  const problems = (await inParallel(checks, PARALLEL)).flat();
  if (problems.length === 0) return;
  const sharers = m.assets.map((_, a) => `asset#${a}: {${[...assetSharers(m, a, t)].map((u) => `u${u}`).join(', ')}}`);
  throw new AccessViolation(
    [
      `${sweep ? 'End-of-run sweep' : `After step ${m.steps}`}:`,
      ...problems,
      `Sharers per the model: ${sharers.join('; ')}`,
      'Steps:',
      ...m.log,
    ].join('\n'),
  );
}
