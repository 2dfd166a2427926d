/**
 * The selection bar's API calls. Actions with a bulk endpoint go through
 * `POST /api/assets/bulk` in chunks of its 500-id limit; sharing has no bulk
 * endpoint, so it loops over the share dialog's own calls a few at a time.
 * Every action reports per item, with progress as it goes.
 */
import { api, type Schemas } from '../api/client.ts';
import { messageOf } from '../components/status.tsx';

export const BULK_LIMIT = 500;
/** `POST /api/downloads` takes at most this many ids. */
export const ZIP_LIMIT = 100;
const PARALLEL = 4;

export interface ItemFailure {
  id: string;
  message: string;
}

export interface Report {
  done: number;
  total: number;
  failures: ItemFailure[];
}

type BulkBody = Schemas['BulkRequest'];
export type BulkAction = BulkBody['action'];
/** A bulk request without its ids (distributed over the union of actions). */
export type BulkWithoutIds = BulkBody extends infer T ? (T extends unknown ? Omit<T, 'assetIds'> : never) : never;

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Runs one bulk action over any number of ids; `progress` after each chunk. Returns the ids that succeeded. */
export async function runBulk(
  body: BulkWithoutIds,
  ids: readonly string[],
  progress: (r: Report) => void,
): Promise<{ ok: string[]; report: Report }> {
  const report: Report = { done: 0, total: ids.length, failures: [] };
  const ok: string[] = [];
  for (const chunk of chunks(ids, BULK_LIMIT)) {
    try {
      const res = await api('POST /api/assets/bulk', { body: { ...body, assetIds: chunk } as BulkBody });
      for (const r of res.results) {
        if (r.ok) ok.push(r.id);
        else report.failures.push({ id: r.id, message: r.error?.message ?? 'Refused.' });
      }
    } catch (err) {
      // The whole chunk was refused (or the network failed): nothing of it was written.
      for (const id of chunk) report.failures.push({ id, message: messageOf(err) });
    }
    report.done += chunk.length;
    progress({ ...report, failures: [...report.failures] });
  }
  return { ok, report };
}

/** Calls `fn` for each id, a few at a time, collecting per-item failures. */
export async function eachItem<T>(
  ids: readonly string[],
  fn: (id: string) => Promise<T>,
  progress: (r: Report) => void,
): Promise<{ results: Map<string, T>; report: Report }> {
  const report: Report = { done: 0, total: ids.length, failures: [] };
  const results = new Map<string, T>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        results.set(id, await fn(id));
      } catch (err) {
        report.failures.push({ id, message: messageOf(err) });
      }
      report.done++;
      progress({ ...report, failures: [...report.failures] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker));
  return { results, report };
}
