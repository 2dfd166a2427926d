/**
 * The Postgres connection string of a Lambda: the RDS-generated secret
 * (`{ username, password, host, port, dbname, engine }`) read from Secrets
 * Manager with one SigV4-signed GetSecretValue call (aws4fetch, the
 * function's role credentials), then pointed at DATABASE_HOST/DATABASE_NAME
 * (the RDS Proxy endpoint and database the stack passes in).
 */
import { AwsClient } from 'aws4fetch';
import { z } from 'zod';
import { OriginError } from '../core/errors.ts';

export interface SecretSource {
  secretArn: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Override of `https://secretsmanager.{region}.amazonaws.com` (AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  endpoint?: string;
}

const secretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().positive().optional(),
  dbname: z.string().min(1).optional(),
});
export type DatabaseSecret = z.output<typeof secretSchema>;

/** The SecretString of one secret (GetSecretValue). */
export async function fetchSecretString(src: SecretSource): Promise<string> {
  const aws = new AwsClient({
    ...src.credentials,
    service: 'secretsmanager',
    region: src.region,
    retries: 2,
  });
  const endpoint = src.endpoint ?? `https://secretsmanager.${src.region}.amazonaws.com`;
  let res: Response;
  try {
    res = await aws.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: src.secretArn }),
    });
  } catch (err) {
    throw new OriginError('secret_unavailable', 'Secrets Manager could not be reached', { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { SecretString?: string; __type?: string };
  if (!res.ok) {
    // `__type` is the service's error code, e.g. `AccessDeniedException` or `ResourceNotFoundException`.
    const type = body.__type?.split('#').pop() ?? 'unknown';
    throw new OriginError('secret_unavailable', `GetSecretValue answered HTTP ${res.status} (${type})`);
  }
  return body.SecretString ?? '';
}

export async function fetchDatabaseSecret(src: SecretSource): Promise<DatabaseSecret> {
  const secretString = await fetchSecretString(src);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new OriginError('secret_invalid', 'the database secret is not a JSON SecretString');
  }
  const secret = secretSchema.safeParse(parsed);
  if (!secret.success) throw new OriginError('secret_invalid', 'the database secret lacks a username or password');
  return secret.data;
}

/** `postgres://user:password@host:port/db`; DATABASE_HOST/NAME win over the secret's own host/dbname. */
export function databaseUrl(secret: DatabaseSecret, opts: { host?: string; name?: string }): string {
  const host = opts.host ?? secret.host;
  if (!host) throw new OriginError('runtime_config', 'set DATABASE_HOST (the secret names no host)');
  const name = opts.name ?? secret.dbname ?? 'postgres';
  const enc = encodeURIComponent;
  return `postgres://${enc(secret.username)}:${enc(secret.password)}@${host}:${secret.port ?? 5432}/${enc(name)}`;
}
