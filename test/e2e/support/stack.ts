/**
 * The local stack a browser test runs against: this worker's, started by the
 * project's global setup (test/setup/e2e-stacks.ts) on the first request and
 * shared by the files this worker runs one after another. Tests sign up
 * fresh users, so files never see each other's data.
 */
import { inject } from 'vitest';

export interface E2eStack {
  /** The edge's origin: the SPA and the API. */
  url: string;
  /** While a file named by an asset id exists here, that asset's ladder waits after its quick phase (stack-process.ts). */
  holdDir: string;
  /** How to reach its database directly (./db.ts), for seeding. */
  database: { url: string; wsProxy: string; relayKey: string };
  /** Nothing to do: the stack outlives the file and the global setup closes it. */
  close(): Promise<void>;
}

export async function startE2eStack(): Promise<E2eStack> {
  const worker = process.env.VITEST_POOL_ID ?? '1';
  const res = await fetch(`${inject('e2eStackBroker')}/stack/${worker}`);
  if (!res.ok) throw new Error(`e2e stack for worker ${worker}: ${res.status} ${await res.text()}`);
  const { url, holdDir, database } = (await res.json()) as Pick<E2eStack, 'url' | 'holdDir' | 'database'>;
  return { url, holdDir, database, close: async () => {} };
}
