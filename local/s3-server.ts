/**
 * The local S3-compatible server: @20minutes/s3rver (it verifies SigV4, which
 * the original s3rver does not), with both buckets and their CORS configured,
 * plus what it lacks where security depends on it: anonymous requests refused
 * (./s3-require-signature.ts), POST policies checked (./s3-post-policy.ts),
 * create-only writes (./s3-conditional-write.ts), the calls it lacks or
 * breaks (./s3-server-extensions.ts), and the SDK's bucket paths
 * (./s3-bucket-path.ts).
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';
import { s3BucketPathWithSlash } from './s3-bucket-path.ts';
import { s3ConditionalWrites } from './s3-conditional-write.ts';
import { s3PostPolicy } from './s3-post-policy.ts';
import { s3RequireSignature } from './s3-require-signature.ts';
import { s3rverExtensions } from './s3-server-extensions.ts';

export interface LocalS3Options {
  directory: string;
  port: number;
  buckets: string[];
  corsOrigins: string[];
  /** Extra access key; S3RVER/S3RVER always works. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The S3 "Object Created" notification record s3rver emits. */
export interface S3EventRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

export interface LocalS3 {
  endpoint: string;
  port: number;
  onEvent(listener: (record: S3EventRecord) => void): void;
  close(): Promise<void>;
}

function corsXml(origins: string[]): string {
  const rules = (origins.length ? origins : ['*'])
    .map(
      (o) => `<CORSRule><AllowedOrigin>${o}</AllowedOrigin>
<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
<AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod>
<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>`,
    )
    .join('\n');
  return `<CORSConfiguration>${rules}</CORSConfiguration>`;
}

export async function startLocalS3(opts: LocalS3Options): Promise<LocalS3> {
  await mkdir(opts.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port,
    silent: true,
    directory: opts.directory,
    vhostBuckets: false,
    allowMismatchedSignatures: false,
    configureBuckets: opts.buckets.map((name) => ({ name, configs: [corsXml(opts.corsOrigins)] })),
  });
  if (opts.credentials) {
    const { DUMMY_ACCOUNT } = (await import('@20minutes/s3rver/lib/models/account.js')).default as {
      DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
    };
    DUMMY_ACCOUNT.createKeyPair(opts.credentials.accessKeyId, opts.credentials.secretAccessKey);
  }
  // Before the router (the last middleware), after request logging/vhost; anonymous requests stop first.
  server.middleware.splice(
    server.middleware.length - 1,
    0,
    s3RequireSignature(),
    s3BucketPathWithSlash(),
    s3rverExtensions(server.store),
    s3PostPolicy(),
    s3ConditionalWrites(server.store),
  );
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    onEvent(listener) {
      server.on('event', (e: { Records: S3EventRecord[] }) => {
        for (const r of e.Records) listener(r);
      });
    },
    close: () => server.close(),
  };
}
