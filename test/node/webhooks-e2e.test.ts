/**
 * Webhooks end to end through the local stack: a user registers an endpoint
 * on the edge (a real receiver on 127.0.0.1, allowed by the local stack's
 * configuration only), uploads an image through the edge's presigned PUT,
 * and the receiver gets `upload.received` and then `asset.ready`, signed
 * with the secret the edge answered once, sent by the stack's dispatcher
 * loop (the origin side), with the delivery log showing both delivered.
 */
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';
import { startUploadStack, type UploadStack } from './support/upload-stack.ts';

let up: UploadStack;
let receiver: Receiver;

beforeAll(async () => {
  [up, receiver] = await Promise.all([startUploadStack(), startReceiver()]);
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await up?.close();
});

describe('webhooks through the local stack', () => {
  it('an upload produces upload.received then asset.ready at the receiver, signed', async () => {
    const user = await up.register('hooks-e2e');
    const api = async (method: string, path: string, json?: unknown) => {
      const res = await fetch(`${up.endpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${user.accessToken}`, ...(json ? { 'content-type': 'application/json' } : {}) },
        ...(json ? { body: JSON.stringify(json) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, text };
    };
    const created = await api('POST', '/api/webhooks', { url: receiver.url, events: ['upload.received', 'asset.ready'] });
    expect(created.status, created.text).toBe(201);
    const secret = created.body.secret as string;
    const endpointId = created.body.endpoint.id as string;

    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } })
      .png()
      .toBuffer();
    const start = await api('POST', '/api/uploads', { filename: 'hook.png', size: png.byteLength, contentType: 'image/png' });
    expect(start.status, start.text).toBe(201);
    const put = await fetch(start.body.url, { method: 'PUT', headers: start.body.headers, body: new Uint8Array(png) });
    expect(put.status).toBe(200);

    const got = await receiver.waitFor(2, 60_000);
    const events = got
      .map(
        (r) =>
          new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as {
            type: string;
            timestamp: string;
            data: { assetId: string };
          },
      )
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(events.map((e) => e.type)).toEqual(['upload.received', 'asset.ready']);
    for (const e of events) expect(e.data.assetId).toBe(start.body.assetId);

    const log = await api('GET', `/api/webhooks/${endpointId}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d: { state: string; lastStatus: number }) => [d.state, d.lastStatus])).toEqual([
      ['delivered', 204],
      ['delivered', 204],
    ]);
  }, 90_000);
});
