/**
 * Global setup of the workerd project: the local stack's storage and embedded
 * Postgres (with the relay the production driver needs), on free loopback
 * ports, so tests running inside workerd reach real services.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../local/embedded-postgres.ts';
import { generateKeyPairSync } from 'node:crypto';
import { startCdnStandIn } from '../../local/cdn-stand-in.ts';
import { startLocalS3 } from '../../local/s3-server.ts';
import { generateSigningKey } from '../../shared/tokens/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    edgeS3Endpoint: string;
    edgeDbUrl: string;
    edgeDbWsProxy: string;
    edgeSigningKeys: string;
    /** The CloudFront stand-in in front of the S3 server (local/cdn-stand-in.ts), with its control paths on. */
    edgeCdnEndpoint: string;
    edgeCdnKeyPairId: string;
    edgeCdnPrivateKey: string;
    edgeCdnPublicKey: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-edge-s3-'));
  const s3 = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  const pg = await startEmbeddedPostgres({ port: 0, wsPort: 0 });
  // Every media read of the edge goes through CloudFront's stand-in, as in production.
  const cdnKeys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cdn = await startCdnStandIn({
    s3Endpoint: s3.endpoint,
    bucket: 'derivatives',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    trustedKeys: { KLOCALTEST: cdnKeys.publicKey },
    control: true,
  });
  project.provide('edgeCdnEndpoint', cdn.endpoint);
  project.provide('edgeCdnKeyPairId', 'KLOCALTEST');
  project.provide('edgeCdnPrivateKey', cdnKeys.privateKey);
  project.provide('edgeCdnPublicKey', cdnKeys.publicKey);
  project.provide('edgeS3Endpoint', s3.endpoint);
  project.provide('edgeDbUrl', pg.url);
  project.provide('edgeDbWsProxy', pg.wsProxy);
  // Two keys, as during a rotation: the active one signs, the other still verifies.
  const [active, previous] = await Promise.all([generateSigningKey(), generateSigningKey({ alg: 'ES256' })]);
  project.provide('edgeSigningKeys', JSON.stringify({ active: active.kid, keys: [active, previous] }));
  return async () => {
    await cdn.close();
    await pg.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  };
}
