/**
 * The Lambda runtime bootstrap against real local services: the S3 server,
 * Debian's PostgreSQL through the WebSocket relay (the production driver and
 * path), and a local HTTP server standing in for Secrets Manager that
 * re-computes the SigV4 signature of GetSecretValue (only the AWS service is
 * mocked, at its HTTP boundary).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsV4Signer } from 'aws4fetch';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildRuntime, getRuntime } from '../../origin/handlers/runtime.ts';
import { MediaConvertTranscoder } from '../../origin/processing/video/mediaconvert-transcoder.ts';

const ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:media-db-AbCdEf';
const CREDS = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'role-secret', sessionToken: 'role-session' };
let server: Server;
let endpoint: string;
let secret: Record<string, unknown> = {};
const seen: { target?: string; authorization?: string; verified: boolean; secretId?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = req.headers.authorization ?? '';
      // Re-sign exactly the headers the client signed, with our copy of the credentials.
      const signedNames = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
      const headers: Record<string, string> = {};
      for (const n of signedNames) if (n !== 'host') headers[n] = String(req.headers[n]);
      const expected = await new AwsV4Signer({
        method: req.method!,
        url: `${endpoint}${req.url}`,
        headers,
        body,
        ...CREDS,
        service: 'secretsmanager',
        region: 'eu-central-1',
        datetime: String(req.headers['x-amz-date']),
      }).authHeader();
      const verified = auth === expected && req.headers['x-amz-security-token'] === CREDS.sessionToken;
      const secretId = (JSON.parse(body || '{}') as { SecretId?: string }).SecretId;
      seen.push({ target: req.headers['x-amz-target'] as string, authorization: auth, verified, ...(secretId ? { secretId } : {}) });
      const send = (status: number, payload: unknown) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      if (!verified) return send(400, { __type: 'InvalidSignatureException', message: 'signature mismatch' });
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return send(400, { __type: 'UnknownOperationException' });
      if (secretId !== ARN) return send(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
      send(200, { ARN, Name: 'media-db', VersionId: 'v1', SecretString: JSON.stringify(secret) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function lambdaEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDS.sessionToken,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    S3_ENDPOINT: inject('s3Endpoint'),
    S3_REGION: 'us-east-1',
    S3_BUCKET_RAW: 'raw',
    S3_BUCKET_DERIVATIVES: 'derivatives',
    S3_FORCE_PATH_STYLE: 'true',
    DATABASE_SECRET_ARN: ARN,
    DATABASE_HOST: '127.0.0.1',
    DATABASE_NAME: 'postgres',
    DATABASE_WS_PROXY: inject('pgWsProxy'),
    DATABASE_WS_SECURE: 'false',
    MEDIACONVERT_QUEUE_ARN: 'arn:aws:mediaconvert:eu-central-1:123456789012:queues/media',
    MEDIACONVERT_ROLE_ARN: 'arn:aws:iam::123456789012:role/mc',
    ...overrides,
  };
}

// Direct (trust): these tests log in with made-up secrets; the pooled path demands the real password.
const pgPort = () => Number(new URL(inject('pgDirectUrl')).port);

describe('buildRuntime', () => {
  it('reads the DB secret with a SigV4-signed GetSecretValue and reaches Postgres through the relay', async () => {
    seen.length = 0;
    secret = { username: 'postgres', password: 'p@ss/w:rd', engine: 'postgres', port: pgPort(), host: 'ignored.example' };
    const rt = await buildRuntime(lambdaEnv());
    try {
      expect(seen).toEqual([expect.objectContaining({ target: 'secretsmanager.GetSecretValue', verified: true, secretId: ARN })]);
      expect(seen[0]!.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-central-1\/secretsmanager\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
      const res = (await rt.db.execute(sql`select current_user as who, current_database() as db`)) as unknown as {
        rows: { who: string; db: string }[];
      };
      expect(res.rows[0]).toEqual({ who: 'postgres', db: 'postgres' });
      // No S3_* keys: storage signs with the role's key, which this S3 server does not know.
      await expect(rt.storage.headBucket(rt.buckets.raw)).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
      expect(rt.buckets).toEqual({ raw: 'raw', derivatives: 'derivatives' });
      expect(rt.transcoder).toBeInstanceOf(MediaConvertTranscoder);
      expect(rt.scanner).toBeUndefined();
      expect(rt.env).toMatchObject({ SWEEP_INGEST_DEADLINE_MINUTES: 30, SWEEP_TRANSCODE_DEADLINE_MINUTES: 120, SWEEP_MAX_ATTEMPTS: 3 });
    } finally {
      await rt.close();
    }
  });

  it('uses DATABASE_URL as is when it is set (no Secrets Manager call), and S3 keys when given', async () => {
    seen.length = 0;
    const rt = await buildRuntime(
      lambdaEnv({
        DATABASE_URL: inject('pgUrl'),
        DATABASE_SECRET_ARN: undefined,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      }),
    );
    try {
      await rt.db.execute(sql`select 1`);
      await rt.storage.headBucket(rt.buckets.raw);
      expect(seen).toEqual([]);
    } finally {
      await rt.close();
    }
  });

  it('fails with stable codes on a bad signature, a missing secret, a malformed secret and missing settings', async () => {
    secret = { username: 'postgres', password: 'x', port: pgPort() };
    await expect(buildRuntime(lambdaEnv({ AWS_SECRET_ACCESS_KEY: 'wrong' }))).rejects.toMatchObject({
      code: 'secret_unavailable',
      message: expect.stringContaining('InvalidSignatureException'),
    });
    await expect(buildRuntime(lambdaEnv({ DATABASE_SECRET_ARN: `${ARN}-other` }))).rejects.toMatchObject({ code: 'secret_unavailable' });
    secret = { username: 'postgres' };
    await expect(buildRuntime(lambdaEnv())).rejects.toMatchObject({ code: 'secret_invalid' });
    await expect(buildRuntime(lambdaEnv({ DATABASE_WS_PROXY: '' }))).rejects.toMatchObject({ code: 'runtime_config' });
    await expect(buildRuntime(lambdaEnv({ DATABASE_SECRET_ARN: undefined }))).rejects.toMatchObject({ code: 'runtime_config' });
    await expect(buildRuntime(lambdaEnv({ MEDIACONVERT_ROLE_ARN: undefined }))).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      issues: [expect.stringMatching(/^MEDIACONVERT_ROLE_ARN/)],
    });
  });
});

describe('getRuntime', () => {
  it('builds once per container and retries a failed build on the next call', async () => {
    const saved = { ...process.env };
    try {
      secret = { username: 'postgres', password: 'x', port: pgPort() };
      Object.assign(process.env, lambdaEnv({ DATABASE_SECRET_ARN: `${ARN}-missing` }));
      await expect(getRuntime()).rejects.toMatchObject({ code: 'secret_unavailable' });
      process.env.DATABASE_SECRET_ARN = ARN;
      const first = await getRuntime();
      expect(await getRuntime()).toBe(first);
      await first.close();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
