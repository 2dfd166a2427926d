/**
 * An API fuzzer driven by the edge's own `/api/openapi.json`: for every
 * operation in the document (whatever it holds when this runs) and for the
 * routes outside it (`/s3/*`, `/status`, `/m/...`, `/s/...`), fast-check
 * draws requests — schema-valid and schema-violating path parameters, query
 * strings, headers and bodies — sent as the owner of the seeded resources,
 * as another user, anonymously and with a broken credential. Every answer
 * must be below 500, every 4xx the one error shape (./support/fuzz-check.ts),
 * and an operation that needs a credential never succeeds without one.
 *
 * Reproducible: the seed is FUZZ_SEED (default below), each operation's own
 * seed derives from it, and a failure prints the operation, the seeds and
 * fast-check's counterexample and path. FUZZ_RUNS sets runs per operation.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractBreach, harvestIds, send } from './support/fuzz-check.ts';
import { loadOperations, type Operation } from './support/fuzz-doc.ts';
import { outsideOperations } from './support/fuzz-outside.ts';
import { operationRequest, type FuzzRequest } from './support/fuzz-requests.ts';
import { seedFuzzWorld, type SeededWorld } from './support/fuzz-world.ts';
import type { Answer } from './support/fuzz-check.ts';

const env = (import.meta as { env?: Record<string, string | undefined> }).env ?? {};
const SEED = Number(env.FUZZ_SEED ?? 20261203);
const RUNS = Number(env.FUZZ_RUNS ?? 100);

/** Routes that hash a password (scrypt, ~150 ms each) get fewer runs. */
const slow = (op: Operation) => /^\/api\/auth\/|\/unlock$/.test(op.path);

/** A stable per-operation seed, so one operation can be replayed alone. */
function seedFor(op: Operation): number {
  let h = SEED | 0;
  for (const ch of `${op.method} ${op.path}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

function credentialBreach(op: Operation, req: FuzzRequest, answer: Answer): string | null {
  if (op.anonymous || (req.caller !== 'anonymous' && req.caller !== 'broken')) return null;
  return answer.status < 400 ? `${answer.status} for a ${req.caller} caller on an operation that needs a credential` : null;
}

/** The operation, how to replay it, what was wrong and the (shrunk) request, long bodies cut. */
function failureReport(op: Operation, out: fc.RunDetails<[FuzzRequest]>): string {
  const [req] = out.counterexample ?? [];
  const body = typeof req?.body === 'string' ? req.body.slice(0, 300) : req?.body?.slice(0, 100);
  const error = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  return [
    `${op.method} ${op.path}: ${error.slice(0, 500)}`,
    `  replay: FUZZ_SEED=${SEED} (operation seed ${out.seed}, fast-check path "${out.counterexamplePath}")`,
    `  request: ${JSON.stringify({ ...req, body }).slice(0, 1_000)}`,
  ].join('\n');
}

describe('API fuzz (driven by /api/openapi.json)', () => {
  let world: SeededWorld;
  let ops: Operation[];

  beforeAll(async () => {
    world = await seedFuzzWorld();
    ops = [...(await loadOperations()), ...outsideOperations(world)];
  }, 60_000);

  it('reads the operations from the document itself, and starts from real cursors and media tokens', () => {
    const names = ops.map((o) => `${o.method} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /api/search',
        'POST /api/collections',
        'POST /api/auth/register',
        'GET /m/{assetId}/{variant}',
        'POST /s3/multipart',
      ]),
    );
    expect(ops.filter((o) => o.path.startsWith('/api/')).length).toBeGreaterThan(40);
    expect(world.mediaUrls.length).toBeGreaterThan(0);
    expect(Object.keys(world.pools.cursors).sort()).toEqual(
      ['/api/assets', '/api/collections', '/api/collections/{id}', '/api/search', '/api/share/{token}', '/api/tags', '/api/trash'].sort(),
    );
  });

  it('answers no input with a 5xx, and every 4xx with the one error shape', async () => {
    const failures: string[] = [];
    let requests = 0;
    const fuzz = async (op: Operation) => {
      const seed = seedFor(op);
      const property = fc.asyncProperty(operationRequest(world, op), async (req) => {
        requests++;
        const answer = await send(req, world);
        if (env.FUZZ_DEBUG)
          console.log(
            'FUZZ',
            answer.status,
            req.caller,
            req.method,
            req.url.length > 200 ? `${req.url.slice(0, 80)}…${req.url.slice(-100)}` : req.url,
            typeof req.body === 'string' ? req.body.slice(0, 80) : req.body ? 'bytes' : '',
          );
        const breach = contractBreach(req, answer) ?? credentialBreach(op, req, answer);
        if (breach) throw new Error(breach);
        if (answer.status < 300) harvestIds(answer.text, world.pools);
      });
      const out = await fc.check(property, { seed, numRuns: slow(op) ? Math.max(3, Math.ceil(RUNS / 6)) : RUNS });
      if (out.failed) failures.push(failureReport(op, out));
    };
    // One operation at a time, in the document's order, deletions last (what they remove is fuzzed by
    // everything else first): ids harvested from earlier answers then join the pools in the same order
    // on every run, so FUZZ_SEED replays the same requests.
    for (const op of [...ops.filter((o) => o.method !== 'DELETE'), ...ops.filter((o) => o.method === 'DELETE')]) await fuzz(op);
    console.log(`api fuzz: ${requests} requests over ${ops.length} operations (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS})`);
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 600_000);
});
