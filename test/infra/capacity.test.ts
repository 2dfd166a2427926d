/**
 * The sizing arithmetic (infra/capacity.ts) and the stack's settings held to
 * it: one ingest invocation fits its timeout with the largest original, a
 * batch of large originals would not, and the connection budget leaves the
 * Worker room on both instance sizes.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  connectionBudget,
  HASH_BYTES_PER_SECOND,
  INGEST_BATCH_SIZE,
  INGEST_MAX_CONCURRENCY,
  ingestTimeoutSeconds,
  ingestWorstCaseSeconds,
  MAX_ORIGINAL_BYTES,
  maxConnections,
} from '../../infra/capacity.js';
import { createApp } from '../../infra/create-app.js';
import { PROXY_MAX_CONNECTIONS_PERCENT } from '../../infra/constructs/data.js';
import { FIXTURE_CDN_PUBLIC_KEY_FILE, fixtureEntries, NO_BUNDLING, RELAY_CONTEXT } from './helpers.js';

function template(context: Record<string, unknown>): Template {
  const { app, stack } = createApp({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-cap-')),
    context: { ...NO_BUNDLING, ...context },
    entries: fixtureEntries,
    nag: false,
  });
  app.synth();
  return Template.fromStack(stack);
}

describe('ingest timeout vs batch', () => {
  it('hashes a 5 GB original in ~110 s (the measured rate) and fits one message in a 5-minute timeout', () => {
    expect(MAX_ORIGINAL_BYTES / HASH_BYTES_PER_SECOND).toBeCloseTo(110, 5);
    expect(INGEST_BATCH_SIZE).toBe(1);
    expect(ingestWorstCaseSeconds()).toBe(170);
    expect(ingestTimeoutSeconds()).toBe(300);
    expect(ingestTimeoutSeconds()).toBeGreaterThanOrEqual(1.5 * ingestWorstCaseSeconds());
  });

  it("shows why the old batch of 5 in 180 s failed: two large files alone exceed it, five exceed Lambda's 900 s", () => {
    expect(2 * (MAX_ORIGINAL_BYTES / HASH_BYTES_PER_SECOND)).toBeGreaterThan(180);
    expect(ingestTimeoutSeconds(5)).toBeGreaterThan(900);
  });

  it('deploys batch size 1, the computed timeout, and a visibility timeout six times it', () => {
    const t = template(RELAY_CONTEXT);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: INGEST_MAX_CONCURRENCY.micro },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Description: 'Sniffs, checks and derives new originals', Timeout: 300 });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
  });
});

describe('connection budget', () => {
  it('uses the RDS max_connections formula', () => {
    expect(maxConnections('micro')).toBe(112);
    expect(maxConnections('small')).toBe(225);
  });

  it.each([
    ['micro', 10],
    ['small', 40],
  ] as const)('%s leaves the Worker at least %i concurrent DB-bound requests after every Lambda at its cap', (size, min) => {
    const b = connectionBudget(size, PROXY_MAX_CONNECTIONS_PERCENT);
    expect(b.reserved + b.ingest + b.complete + b.sweeper + b.webhooks + b.purge + b.edge).toBe(b.proxyLimit);
    expect(b.edgeConcurrentRequests).toBeGreaterThanOrEqual(min);
    expect(b.proxyLimit).toBeLessThan(b.maxConnections);
  });

  it('sizes prod at db.t4g.small with its ingest concurrency', () => {
    const t = template({
      env: 'prod',
      region: 'eu-central-1',
      drRegion: 'eu-west-1',
      alarmEmail: 'ops@example.com',
      corsOrigins: 'https://app.example.com',
      cdnPublicKeyFile: FIXTURE_CDN_PUBLIC_KEY_FILE,
      ...RELAY_CONTEXT,
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.t4g.small' });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: INGEST_MAX_CONCURRENCY.small } });
    t.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
      ConnectionPoolConfigurationInfo: { MaxConnectionsPercent: PROXY_MAX_CONNECTIONS_PERCENT },
    });
  });
});
