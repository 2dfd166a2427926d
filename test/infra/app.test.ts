/**
 * The whole app, as `cdk synth` builds it, under the cdk-nag AwsSolutions
 * pack: no unacknowledged error, and no acknowledgement without a finding.
 */
import { type Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../infra/create-app.js';
import { DEFAULT_ENTRIES } from '../../infra/constructs/pipeline.js';
import { FIXTURE_CDN_PUBLIC_KEY_FILE, fixtureEntries, NO_BUNDLING, RELAY_CONTEXT } from './helpers.js';

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}
interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations: Violation[] }[];
}

const prodContext = {
  env: 'prod',
  alarmEmail: 'ops@example.com',
  corsOrigins: 'https://app.example.com',
  cdnPublicKeyFile: FIXTURE_CDN_PUBLIC_KEY_FILE,
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  ...RELAY_CONTEXT,
};

function synth(context: Record<string, unknown>, mutate?: (stack: Stack) => void): { report: Report; template: Template } {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-infra-test-'));
  const { app, stack } = createApp({ outdir, context: { ...NO_BUNDLING, ...context }, entries: fixtureEntries });
  mutate?.(stack);
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  if (error && !String(error).startsWith('ValidationFailed')) throw error;
  return { report, template: Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8'))) };
}

const nagErrors = (r: Report) =>
  r.pluginReports
    .filter((p) => p.pluginName === 'AwsSolutions')
    .flatMap((p) => p.violations.filter((v) => v.severity === 'error'))
    .flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} @ ${c.constructPath}`));

describe('origin app', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['dev with relay', RELAY_CONTEXT],
    ['dev without relay', {}],
    ['prod', prodContext],
  ])('%s has no unacknowledged cdk-nag errors', (_name, context) => {
    const { report } = synth(context);
    expect(nagErrors(report)).toEqual([]);
  });

  it('fails the gate when an insecure resource is added', () => {
    const { report } = synth(RELAY_CONTEXT, (stack) => new s3.Bucket(stack, 'Unsafe'));
    expect(nagErrors(report)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AwsSolutions-S1 @ .*\/Unsafe\//),
        expect.stringMatching(/^AwsSolutions-S10 @ .*\/Unsafe\//),
      ]),
    );
  });

  it('acknowledges only findings that exist (no stale acknowledgements)', () => {
    const acks: { path: string; id: string }[] = [];
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
      const scope = (this as unknown as { scope: { node: { path: string } } }).scope;
      for (const r of rules) acks.push({ path: scope.node.path, id: r.id });
    });
    const findings = [...synth(RELAY_CONTEXT).report.pluginReports, ...synth(prodContext).report.pluginReports].flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => ({ id: v.ruleName, path: c.constructPath }))),
    );
    expect(acks.length).toBeGreaterThan(10);
    // CDK itself acknowledges a few CloudFormation-Validate rules; only ours are checked here.
    const ours = acks.filter((a) => !a.id.startsWith('CloudFormation-Validate::'));
    const stale = ours.filter((a) => !findings.some((f) => f.id === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
    expect(stale).toEqual([]);
  });

  it('outputs what the edge needs and marks a missing relay', () => {
    const withRelay = synth(RELAY_CONTEXT).template;
    for (const out of [
      'RawBucketName',
      'DerivativesBucketName',
      'CdnDomainName',
      'CdnKeyPairId',
      'EdgeCredentialsSecretArn',
      'EdgeDatabaseSecretArn',
      'MigrationSecretArn',
      'DbRelayKeySecretArn',
      'DbRelayLoadBalancerDns',
    ]) {
      withRelay.hasOutput(out, {});
    }
    withRelay.hasOutput('DbRelayWsProxy', { Value: 'db-relay.example.com/v1' });
    synth({}).template.hasOutput('DbRelayWsProxy', { Value: 'not-deployed' });
  });

  it('uses the origin handlers by default', () => {
    expect(DEFAULT_ENTRIES).toEqual({
      ingest: 'origin/handlers/ingest.ts',
      complete: 'origin/handlers/mediaconvert-complete.ts',
      purge: 'origin/handlers/purge.ts',
      sweeper: 'origin/handlers/sweeper.ts',
      webhooks: 'origin/handlers/webhooks.ts',
    });
  });
});
