/**
 * The access invariant as a model-based property, against the real edge in
 * workerd over Debian PostgreSQL (test/node/support/access-model/): random
 * sequences of uploads, visibility changes, collections and their items,
 * grants to users, groups and orgs at every level (some expiring within
 * seconds), share links, org and group membership, trash and restore, sent
 * as three users through the HTTP API. After every step every probe of what
 * the edge grants — a user's, an anonymous caller's, a link holder's; the
 * asset's detail, status, a derivative, the original, a title change, its
 * grants, audit and links; the library list, search and collection pages —
 * must stay within what the reference model allows: a principal's effective
 * permission never exceeds what someone entitled to share the asset chose to
 * give.
 *
 * Seeded: ACCESS_MODEL_SEED (default below), ACCESS_MODEL_RUNS; to replay a
 * printed counterexample also set ACCESS_MODEL_PATH and ACCESS_MODEL_REPLAY
 * (fast-check's path and the commands' replayPath); ACCESS_MODEL_DEBUG=1
 * prints every run's steps.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEdge, settleExpiries } from './support/access-model/checks.ts';
import { commandArbitraries, prologue } from './support/access-model/commands.ts';
import { startHarness, type Harness } from './support/access-model/harness.ts';
import { requestsSent } from './support/access-model/http.ts';
import { newModel } from './support/access-model/state.ts';

const env = process.env;
const SEED = Number(env.ACCESS_MODEL_SEED ?? 20261203);
const RUNS = Number(env.ACCESS_MODEL_RUNS ?? 25);
const USERS = 3;

let h: Harness;
beforeAll(async () => {
  h = await startHarness(USERS);
});
afterAll(async () => {
  await h?.close();
});

describe('the access invariant against the edge (workerd, PostgreSQL)', () => {
  it(`no probe ever exceeds the model's bound (seed ${SEED}, ${RUNS} runs)`, async () => {
    const started = Date.now();
    const sentBefore = requestsSent();
    let steps = 0;
    const commands = fc.commands(commandArbitraries(USERS), {
      maxCommands: 25,
      size: 'max',
      ...(env.ACCESS_MODEL_REPLAY ? { replayPath: env.ACCESS_MODEL_REPLAY } : {}),
    });
    try {
      await fc.assert(
        fc.asyncProperty(commands, async (cmds) => {
          const model = newModel(USERS);
          const cast = await h.cast();
          await prologue(model, { h: cast });
          await fc.asyncModelRun(() => ({ model, real: { h: cast } }), cmds);
          // Every pair once more, after the imminent expiries: a leak the steps' focused checks did not look at.
          await settleExpiries(model, 2500);
          await checkEdge(model, cast, 'all');
          if (env.ACCESS_MODEL_DEBUG) console.log(model.log.join('\n'));
          steps += model.steps;
        }),
        { seed: SEED, numRuns: RUNS, ...(env.ACCESS_MODEL_PATH ? { path: env.ACCESS_MODEL_PATH } : {}) },
      );
    } catch (err) {
      // fast-check's message carries seed, path, the shrunk commands and their replayPath.
      (err as Error).message = `Replay: ACCESS_MODEL_SEED=${SEED} plus the path and replayPath below.\n${(err as Error).message}`;
      throw err;
    }
    console.log(`access model: ${RUNS} runs, ${steps} steps, ${requestsSent() - sentBefore} requests, ${Date.now() - started} ms`);
  }, 900_000);

  it('nobody grants themselves anything: 400, and no grant is left behind', async () => {
    const owner = h.users[0]!;
    const call = (method: string, path: string, json?: unknown) =>
      h.client.call(method, path, { token: owner.token, ...(json ? { json } : {}) });
    const up = await call('POST', '/api/uploads', { filename: 'self.png', size: h.png.byteLength, contentType: 'image/png' });
    expect(up.status, up.text).toBe(201);
    const col = await call('POST', '/api/collections', { name: 'self' });
    expect(col.status, col.text).toBe(201);
    for (const [resourceType, resourceId] of [
      ['asset', up.body.assetId],
      ['collection', col.body.id],
    ] as const) {
      for (const who of [{ principalId: owner.id }, { principalEmail: owner.email.toUpperCase() }]) {
        const res = await call('POST', '/api/grants', { resourceType, resourceId, principalType: 'user', ...who, permission: 'manage' });
        expect(res.status, `${resourceType} ${JSON.stringify(who)}: ${res.text}`).toBe(400);
        expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
      }
      const listed = await call('GET', `/api/grants?resourceType=${resourceType}&resourceId=${resourceId}`);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([]);
    }
  });
});
