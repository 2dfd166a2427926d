/**
 * Derives wrangler.toml's `[env.production.vars]` from the origin stack's
 * outputs, so the Worker's region, buckets and relay are never typed by hand:
 *
 *   npx cdk deploy --all -c env=prod ... --outputs-file cdk-outputs.json
 *   node --import tsx scripts/wrangler-prod-config.ts cdk-outputs.json --stack media-prod-origin \
 *     --write wrangler.toml --write-api wrangler.api.toml
 *
 * `--write-api` fills the API Worker's config (issue #19 option (a),
 * docs/architecture.md "Round trips to the region") with the same vars plus
 * `WORKER_ROLE = "api"`, and its placement hint with the stack's region
 * (`[env.production.placement] region = "aws:<Region>"`).
 * Without --write it prints the section. Values that are secrets (database
 * URL, relay key, S3 keys) are never written; the script prints the
 * `wrangler secret put` commands and which stack output holds each.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** CloudFormation outputs of one stack, as `cdk deploy --outputs-file` writes them. */
export type StackOutputs = Record<string, string>;

const REQUIRED = ['Region', 'RawBucketName', 'DerivativesBucketName', 'DbRelayWsProxy'] as const;

/** The production vars the Worker needs, from the outputs. */
export function productionVars(outputs: StackOutputs): Record<string, string> {
  const missing = REQUIRED.filter((k) => !outputs[k]);
  if (missing.length > 0) throw new Error(`stack outputs lack ${missing.join(', ')} (is this the origin stack's outputs file?)`);
  const region = outputs.Region!;
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new Error(`output Region is not an AWS region: ${region}`);
  if (outputs.DbRelayWsProxy === 'not-deployed') {
    throw new Error(
      'output DbRelayWsProxy is not-deployed: deploy with -c relayCertificateArn=... -c relayDomain=... (the Worker reaches Postgres only through the relay)',
    );
  }
  return {
    APP_ENV: 'production',
    S3_REGION: region,
    S3_ENDPOINT: `https://s3.${region}.amazonaws.com`,
    S3_FORCE_PATH_STYLE: 'false',
    S3_BUCKET_RAW: outputs.RawBucketName!,
    S3_BUCKET_DERIVATIVES: outputs.DerivativesBucketName!,
    DATABASE_WS_PROXY: outputs.DbRelayWsProxy!,
    DATABASE_WS_SECURE: 'true',
    // Derivatives through CloudFront with signed URLs (edge/storage/cdn-reader.ts); CDN_PRIVATE_KEY is a secret.
    ...(outputs.CdnDomainName && outputs.CdnKeyPairId ? { CDN_DOMAIN: outputs.CdnDomainName, CDN_KEY_PAIR_ID: outputs.CdnKeyPairId } : {}),
  };
}

/** The API Worker's production vars: the edge's, plus the role that makes it serve forwarded requests. */
export function apiProductionVars(outputs: StackOutputs): Record<string, string> {
  return { WORKER_ROLE: 'api', ...productionVars(outputs) };
}

/** The API Worker's placement hint: next to the stack's region (Cloudflare's `aws:<region>` form). */
export function placementRegion(outputs: StackOutputs): string {
  return `aws:${productionVars(outputs).S3_REGION}`;
}

/** Secrets to set, with the output naming where each value lives; `config` names a second Worker's wrangler file. */
export function secretCommands(outputs: StackOutputs, config?: string): string[] {
  const from = (key: string) => outputs[key] ?? `<${key}>`;
  const lines = [
    `npx wrangler secret put DATABASE_URL --env production        # postgres://media_edge:relay-login@${from('DatabaseProxyEndpoint')}:5432/media (no password: the relay logs in as media_edge with ${from('EdgeDatabaseSecretArn')})`,
    `npx wrangler secret put DATABASE_RELAY_KEY --env production  # the value of ${from('DbRelayKeySecretArn')}`,
    `npx wrangler secret put S3_ACCESS_KEY_ID --env production    # accessKeyId of ${from('EdgeCredentialsSecretArn')}`,
    `npx wrangler secret put S3_SECRET_ACCESS_KEY --env production # secretAccessKey of ${from('EdgeCredentialsSecretArn')}`,
    `npx wrangler secret put CDN_PRIVATE_KEY --env production < cdn-private.pem # the private half of the key ${from('CdnKeyPairId')} (deploy step 3); without it remove CDN_DOMAIN and CDN_KEY_PAIR_ID from the vars`,
    `npx wrangler secret put MFA_ENCRYPTION_KEY --env production  # 32 random bytes, base64url (node -e "console.log(crypto.randomBytes(32).toString('base64url'))"); seals TOTP secrets, keep it: losing it disables every enrolment`,
    `npx wrangler secret put WEBHOOK_SECRET_KEY --env production  # the value of ${from('WebhookKeySecretArn')}; seals webhook signing secrets, the webhooks Lambda opens them with the same value`,
  ];
  return config ? lines.map((l) => l.replace(' --env production', ` -c ${config} --env production`)) : lines;
}

const SECTION = '[env.production.vars]';
const PLACEMENT = '[env.production.placement]';

/**
 * Replaces (or appends) each key inside `[env.production.vars]` (or another
 * `section`), leaving every other line of the file as it was. TOML basic
 * strings: the values here hold no quote or backslash, which is checked.
 */
export function applyToWranglerToml(toml: string, vars: Record<string, string>, section = SECTION): string {
  const lines = toml.split('\n');
  const start = lines.findIndex((l) => l.trim() === section);
  if (start < 0) throw new Error(`wrangler.toml has no ${section} section`);
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const pending = new Map(Object.entries(vars));
  for (const [k, v] of pending) if (/["\\\n]/.test(v)) throw new Error(`value of ${k} holds a quote, backslash or line break`);
  for (let i = start + 1; i < end; i++) {
    const m = /^(\s*)([A-Za-z][A-Za-z0-9_]*)\s*=/.exec(lines[i]!);
    if (m && pending.has(m[2]!)) {
      lines[i] = `${m[1]}${m[2]} = "${pending.get(m[2]!)}"`;
      pending.delete(m[2]!);
    }
  }
  // New keys go after the section's last non-blank line.
  let insertAt = end;
  while (insertAt - 1 > start && lines[insertAt - 1]!.trim() === '') insertAt--;
  lines.splice(insertAt, 0, ...[...pending].map(([k, v]) => `${k} = "${v}"`));
  return lines.join('\n');
}

/** The API Worker's config (wrangler.api.toml): its vars and its placement region. */
export function applyToApiWranglerToml(toml: string, outputs: StackOutputs): string {
  return applyToWranglerToml(applyToWranglerToml(toml, apiProductionVars(outputs)), { region: placementRegion(outputs) }, PLACEMENT);
}

/** Picks one stack's outputs from an outputs file (the only one ending in -origin when not named). */
export function stackOutputs(file: Record<string, StackOutputs>, stack?: string): StackOutputs {
  const name = stack ?? Object.keys(file).find((k) => k.endsWith('-origin'));
  if (!name || !file[name])
    throw new Error(`no outputs for stack ${stack ?? '*-origin'} (found: ${Object.keys(file).join(', ') || 'none'})`);
  return file[name]!;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outputsFile, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (!outputsFile) {
    console.error(
      'usage: wrangler-prod-config.ts <cdk-outputs.json> [--stack media-prod-origin] [--write wrangler.toml] [--write-api wrangler.api.toml]',
    );
    process.exit(2);
  }
  try {
    const outputs = stackOutputs(JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, StackOutputs>, flag('--stack'));
    const vars = productionVars(outputs);
    const target = flag('--write');
    if (target) {
      writeFileSync(target, applyToWranglerToml(readFileSync(target, 'utf8'), vars));
      console.log(`updated ${SECTION} in ${target}`);
    } else {
      console.log([SECTION, ...Object.entries(vars).map(([k, v]) => `${k} = "${v}"`)].join('\n'));
    }
    const apiTarget = flag('--write-api');
    if (apiTarget) {
      writeFileSync(apiTarget, applyToApiWranglerToml(readFileSync(apiTarget, 'utf8'), outputs));
      console.log(`updated ${SECTION} and ${PLACEMENT} (region = "${placementRegion(outputs)}") in ${apiTarget}`);
    }
    console.log(`\nthen set the secrets:\n${secretCommands(outputs).join('\n')}`);
    if (apiTarget) console.log(`\nand the same secrets for the API Worker:\n${secretCommands(outputs, apiTarget).join('\n')}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
