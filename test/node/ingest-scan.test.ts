/**
 * The malware-scan step. The pipeline's MalwareScanner is our own interface,
 * so the ingest paths are driven by small in-test scanners; ClamAV itself is
 * exercised when it is installed, and otherwise its absence must be reported
 * loudly when scanning is switched on.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MalwareScanner } from '../../origin/core/deps.ts';
import { OriginError } from '../../origin/core/errors.ts';
import { createScanner } from '../../origin/processing/scan.ts';
import { findTool } from '../../origin/processing/tools.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { jobs } from '../../shared/db/schema.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  jobRow,
  makeDeps,
  openTestDatabase,
  recordingTranscoder,
  uploadAsset,
} from './support/ingest-env.ts';
import { smallJpeg } from './support/samples.ts';

// The standard antivirus test file (not a virus): every scanner reports it.
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** Flags files containing the EICAR string; records the SHA-256 of what it was shown. */
function eicarScanner(): MalwareScanner & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async scanFile(file) {
      const bytes = await readFile(file);
      seen.push(createHash('sha256').update(bytes).digest('hex'));
      return bytes.includes(EICAR) ? { clean: false, signature: 'Eicar-Test-Signature' } : { clean: true };
    },
  };
}

let handle: DatabaseHandle;
let owner: string;
let dir: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  owner = await createUser(handle.db);
  dir = await mkdtemp(path.join(os.tmpdir(), 'scan-test-'));
});
afterAll(async () => {
  await handle?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('malware scanning in ingest', () => {
  it('blocks an infected original with the signature as the reason, and makes nothing', async () => {
    const scanner = eicarScanner();
    const deps = makeDeps(handle.db, { scanner });
    const bytes = Buffer.from(EICAR);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true, filename: 'invoice.pdf' });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    expect(scanner.seen).toEqual([createHash('sha256').update(bytes).digest('hex')]);
    expect(await assetRow(handle.db, id)).toMatchObject({
      status: 'blocked',
      statusReason: 'infected: malware found: Eicar-Test-Signature',
    });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({
      status: 'failed',
      error: 'infected: malware found: Eicar-Test-Signature',
    });

    // Quarantine holds even if the job is queued again: the bytes are not read a second time.
    await handle.db.update(jobs).set({ status: 'queued' }).where(eq(jobs.assetId, id));
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    expect(scanner.seen).toHaveLength(1);
    expect((await assetRow(handle.db, id)).status).toBe('blocked');
    expect(deps.log.lines.some((l) => l.msg === 'ingest: asset is blocked, ignored')).toBe(true);
  });

  it('scans clean files of every kind before processing them, videos included', async () => {
    const scanner = eicarScanner();
    const transcoder = recordingTranscoder();
    const deps = makeDeps(handle.db, { scanner, transcoder });
    const jpeg = await smallJpeg(120, 80);
    const imageId = await uploadAsset(deps, owner, { bytes: jpeg });
    await deliver(deps, imageId, jpeg.length);
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isommp42', 'latin1')]);
    const videoId = await uploadAsset(deps, owner, { bytes: mp4 });
    await deliver(deps, videoId, mp4.length);
    expect(scanner.seen).toHaveLength(2);
    expect((await assetRow(handle.db, imageId)).status).toBe('ready');
    expect((await assetRow(handle.db, videoId)).status).toBe('processing');
    expect(transcoder.requests.map((r) => r.assetId)).toEqual([videoId]);
  });

  it('retries when the scanner cannot answer (a transient failure), without deciding anything', async () => {
    const deps = makeDeps(handle.db, {
      scanner: { scanFile: async () => Promise.reject(new OriginError('scan_failed', 'clamd is not answering')) },
    });
    const bytes = await smallJpeg(50, 50);
    const id = await uploadAsset(deps, owner, { bytes });
    expect(await deliver(deps, id, bytes.length, { messageId: 'scan' })).toEqual(['scan']);
    expect((await assetRow(handle.db, id)).status).toBe('processing');
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'queued', error: 'clamd is not answering' });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
  });
});

describe('ClamAV scanner', () => {
  it('is off unless configured', async () => {
    expect(await createScanner('off')).toBeUndefined();
  });

  it('scans with clamscan when installed; refuses to start when configured but missing', async () => {
    const installed = await findTool('clamscan');
    if (!installed) {
      await expect(createScanner('clamscan')).rejects.toThrow('MALWARE_SCAN=clamscan but clamscan is not installed');
      return;
    }
    const scanner = (await createScanner('clamscan'))!;
    const clean = path.join(dir, 'clean.txt');
    const infected = path.join(dir, 'eicar.txt');
    await writeFile(clean, 'hello');
    await writeFile(infected, EICAR);
    expect(await scanner.scanFile(clean)).toEqual({ clean: true });
    expect(await scanner.scanFile(infected)).toMatchObject({ clean: false, signature: expect.stringMatching(/Eicar/i) });
  }, 180_000);
});
