/**
 * The pipeline's dependencies inside a Lambda container, built once per
 * container (cold start) from the environment the CDK stack sets
 * (infra/constructs/pipeline.ts, infra/origin-stack.ts) and reused by every
 * invocation. This module is where the handlers read `process.env`.
 *
 * Database: DATABASE_URL when set; otherwise the RDS secret named by
 * DATABASE_SECRET_ARN, pointed at DATABASE_HOST (the RDS Proxy) and reached
 * through the DB relay (DATABASE_WS_PROXY): the functions run outside the
 * VPC and speak Postgres over WebSocket like the edge does.
 */
import ws from 'ws';
import { z } from 'zod';
import { type OriginConfig, originConfigSchema, parseConfig } from '../../shared/config.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { jsonLogger, type PipelineDeps } from '../core/deps.ts';
import { OriginError } from '../core/errors.ts';
import { openStorage, storageSettings } from '../core/storage.ts';
import { MediaConvertTranscoder } from '../processing/video/mediaconvert-transcoder.ts';
import { databaseUrl, fetchDatabaseSecret, fetchSecretString } from './database-secret.ts';
import { createScanner } from '../processing/scan.ts';

const optional = z.string().min(1).optional();
const minutes = (fallback: number) => z.coerce.number().positive().default(fallback);

/** What the Lambdas need beyond the origin's shared settings. */
export const lambdaEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  AWS_ACCESS_KEY_ID: optional,
  AWS_SECRET_ACCESS_KEY: optional,
  AWS_SESSION_TOKEN: optional,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: z.url().optional(),
  DATABASE_SECRET_ARN: optional,
  /** Secret holding the DB relay's caller-proof key (plain SecretString). */
  DATABASE_RELAY_SECRET_ARN: optional,
  DATABASE_HOST: optional,
  DATABASE_NAME: optional,
  MEDIACONVERT_QUEUE_ARN: z.string().min(1),
  MEDIACONVERT_ROLE_ARN: z.string().min(1),
  MEDIACONVERT_ENDPOINT: z.url().optional(),
  /** Sweeper: minutes without progress before an ingest / transcode job counts as stuck. */
  SWEEP_INGEST_DEADLINE_MINUTES: minutes(30),
  SWEEP_TRANSCODE_DEADLINE_MINUTES: minutes(120),
  /** Sweeper: the ingest queue, where reconciliation re-queues originals whose event was lost. */
  INGEST_QUEUE_URL: z.url().optional(),
  /** Sweeper: attempts (first run included) before a stuck job is failed. */
  SWEEP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Webhooks: the Secrets Manager secret holding WEBHOOK_SECRET_KEY (plain SecretString); only the webhooks function has it. */
  WEBHOOK_SECRET_KEY_SECRET_ARN: optional,
  /** Purge: assets per run. */
  PURGE_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
});
export type LambdaEnv = z.output<typeof lambdaEnvSchema>;

export interface Runtime extends PipelineDeps {
  env: LambdaEnv;
  /** The origin's webhook settings, with WEBHOOK_SECRET_KEY read from its secret when one is named. */
  webhookConfig: Pick<OriginConfig, 'APP_ENV' | 'WEBHOOK_SECRET_KEY' | 'WEBHOOK_ALLOW_LOOPBACK_HTTP'>;
  close(): Promise<void>;
}

/** Builds a runtime from `env`; tests call this directly, handlers use getRuntime(). */
export async function buildRuntime(env: Record<string, string | undefined>): Promise<Runtime> {
  const origin = parseConfig(originConfigSchema, env);
  const lambda = parseConfig(lambdaEnvSchema, env);

  let url = origin.DATABASE_URL;
  let relayKey = origin.DATABASE_RELAY_KEY;
  if (!url) {
    if (!lambda.DATABASE_SECRET_ARN) throw new OriginError('runtime_config', 'set DATABASE_URL or DATABASE_SECRET_ARN');
    if (!origin.DATABASE_WS_PROXY) {
      throw new OriginError(
        'runtime_config',
        'DATABASE_WS_PROXY is empty: the pipeline reaches RDS only through the DB relay (deploy it, see docs/deploy.md)',
      );
    }
    if (!lambda.AWS_ACCESS_KEY_ID || !lambda.AWS_SECRET_ACCESS_KEY) {
      throw new OriginError('runtime_config', 'no AWS credentials in the environment to read DATABASE_SECRET_ARN');
    }
    const source = {
      region: lambda.AWS_REGION,
      credentials: {
        accessKeyId: lambda.AWS_ACCESS_KEY_ID,
        secretAccessKey: lambda.AWS_SECRET_ACCESS_KEY,
        ...(lambda.AWS_SESSION_TOKEN ? { sessionToken: lambda.AWS_SESSION_TOKEN } : {}),
      },
      ...(lambda.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: lambda.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}),
    };
    const secret = await fetchDatabaseSecret({ ...source, secretArn: lambda.DATABASE_SECRET_ARN });
    if (lambda.DATABASE_RELAY_SECRET_ARN) relayKey = await fetchSecretString({ ...source, secretArn: lambda.DATABASE_RELAY_SECRET_ARN });
    url = databaseUrl(secret, {
      ...(lambda.DATABASE_HOST ? { host: lambda.DATABASE_HOST } : {}),
      ...(lambda.DATABASE_NAME ? { name: lambda.DATABASE_NAME } : {}),
    });
  }
  // One Lambda invocation runs one thing at a time: two connections are plenty.
  const database = openNeonDatabase({
    url,
    wsProxy: origin.DATABASE_WS_PROXY,
    secure: origin.DATABASE_WS_SECURE,
    ...(relayKey ? { relayKey } : {}),
    webSocketConstructor: ws,
    max: 2,
  });
  const storage = openStorage(storageSettings(origin));
  const transcoder = new MediaConvertTranscoder({
    region: lambda.AWS_REGION,
    queueArn: lambda.MEDIACONVERT_QUEUE_ARN,
    roleArn: lambda.MEDIACONVERT_ROLE_ARN,
    ...(lambda.MEDIACONVERT_ENDPOINT ? { endpoint: lambda.MEDIACONVERT_ENDPOINT } : {}),
  });
  const scanner = await createScanner(origin.MALWARE_SCAN);
  let webhookKey = origin.WEBHOOK_SECRET_KEY;
  if (lambda.WEBHOOK_SECRET_KEY_SECRET_ARN) {
    if (!lambda.AWS_ACCESS_KEY_ID || !lambda.AWS_SECRET_ACCESS_KEY)
      throw new OriginError('runtime_config', 'no AWS credentials in the environment to read WEBHOOK_SECRET_KEY_SECRET_ARN');
    webhookKey = await fetchSecretString({
      region: lambda.AWS_REGION,
      credentials: {
        accessKeyId: lambda.AWS_ACCESS_KEY_ID,
        secretAccessKey: lambda.AWS_SECRET_ACCESS_KEY,
        ...(lambda.AWS_SESSION_TOKEN ? { sessionToken: lambda.AWS_SESSION_TOKEN } : {}),
      },
      ...(lambda.AWS_ENDPOINT_URL_SECRETS_MANAGER ? { endpoint: lambda.AWS_ENDPOINT_URL_SECRETS_MANAGER } : {}),
      secretArn: lambda.WEBHOOK_SECRET_KEY_SECRET_ARN,
    });
  }
  return {
    env: lambda,
    webhookConfig: {
      APP_ENV: origin.APP_ENV,
      WEBHOOK_ALLOW_LOOPBACK_HTTP: origin.WEBHOOK_ALLOW_LOOPBACK_HTTP,
      ...(webhookKey ? { WEBHOOK_SECRET_KEY: webhookKey } : {}),
    },
    db: database.db,
    ...(scanner ? { scanner } : {}),
    storage,
    buckets: { raw: origin.S3_BUCKET_RAW, derivatives: origin.S3_BUCKET_DERIVATIVES },
    transcoder,
    log: jsonLogger({ fn: env.AWS_LAMBDA_FUNCTION_NAME ?? 'pipeline' }),
    now: () => new Date(),
    async close() {
      transcoder.close();
      storage.client.destroy();
      await database.close();
    },
  };
}

let current: Promise<Runtime> | undefined;

/** The container's runtime, built on first use; a failed build is retried by the next invocation. */
export function getRuntime(): Promise<Runtime> {
  current ??= buildRuntime(process.env).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}
