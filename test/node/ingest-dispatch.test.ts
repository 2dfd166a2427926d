/**
 * The local path end to end, as `npm run dev` runs it: an upload to the S3
 * server emits ObjectCreated, the dispatcher wraps it in the EventBridge/SQS
 * shapes and calls the same ingest handler the Lambda exports.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../origin/handlers/ingest.ts';
import { LocalDispatcher } from '../../local/dispatcher.ts';
import { startLocalS3, type LocalS3 } from '../../local/s3-server.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { openStorage } from '../../origin/core/storage.ts';
import { assetRow, createUser, derivativeRows, makeDeps, openTestDatabase } from './support/ingest-env.ts';
import { sidewaysJpeg } from './support/samples.ts';

let server: LocalS3;
let dir: string;
let handle: DatabaseHandle;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ingest-dispatch-'));
  server = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  handle = await openTestDatabase('pglite');
});
afterAll(async () => {
  await handle?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('upload → dispatcher → ingest handler', () => {
  it('makes an uploaded photo ready, and ignores the derivatives it writes', async () => {
    const storage = openStorage({ endpoint: server.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const deps = makeDeps(handle.db, { storage });
    const handler = createIngestHandler(deps);
    let batches = 0;
    const dispatcher = await LocalDispatcher.start({
      db: handle.db,
      bucket: 'raw',
      handler: (e) => (batches++, handler(e)),
      retryDelayMs: 10,
    });
    server.onEvent(dispatcher.onStorageEvent);

    const bytes = await sidewaysJpeg(640, 480);
    const owner = await createUser(handle.db);
    const [asset] = await handle.db
      .insert(assets)
      .values({
        ownerId: owner,
        filename: 'photo.jpg',
        declaredType: 'image/jpeg',
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      })
      .returning({ id: assets.id });
    await storage.put('raw', originalKey(asset!.id), bytes as Uint8Array<ArrayBuffer>, { contentType: 'image/jpeg' });
    await dispatcher.idle();
    await dispatcher.close();

    expect(await assetRow(handle.db, asset!.id)).toMatchObject({ status: 'ready', detectedType: 'image/jpeg' });
    expect((await derivativeRows(handle.db, asset!.id)).map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    expect(batches).toBe(1); // the eight derivative PUTs went to another bucket: no events for them
    expect(await dispatcher.deadLetters()).toEqual([]);
  });
});
