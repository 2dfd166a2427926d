/**
 * Physical names: every name the stack fixes (proxy, secrets, alarms,
 * dashboard, budget, ...) carries the environment prefix, so two
 * environments deploy side by side in one account and a replacement never
 * collides with the resource it replaces.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/create-app.js';
import { fixtureEntries, NO_BUNDLING, RELAY_CONTEXT } from './helpers.js';

/** Top-level CloudFormation properties that set a physical name. */
const NAME_KEYS = /^(Name|.+Name)$/;
/** Properties ending in Name that name something else (a metric, an AWS service). */
const NOT_NAMES = new Set(['MetricName', 'ServiceName', 'DisplayName']);
/** Names scoped to their parent (an inline policy to its role, a database to its instance), not to the account. */
const SCOPED = new Set(['AWS::IAM::Policy.PolicyName', 'AWS::RDS::DBInstance.DBName', 'AWS::RDS::DBProxyTargetGroup.TargetGroupName']);

function physicalNames(prefix: string): string[] {
  const { app, stack } = createApp({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-names-')),
    context: { ...NO_BUNDLING, ...RELAY_CONTEXT, prefix, account: '111111111111' },
    entries: fixtureEntries,
    nag: false,
  });
  app.synth();
  const names: string[] = [];
  for (const r of Object.values(
    Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
  )) {
    const props = {
      ...r.Properties,
      ...((r.Properties?.Parameters ?? {}) as Record<string, unknown>),
      ...((r.Properties?.Budget ?? {}) as Record<string, unknown>),
    };
    for (const [k, v] of Object.entries(props)) {
      if (typeof v === 'string' && NAME_KEYS.test(k) && !NOT_NAMES.has(k) && !SCOPED.has(`${r.Type}.${k}`))
        names.push(`${r.Type}.${k}=${v}`);
    }
  }
  return names;
}

describe('physical names', () => {
  const a = physicalNames('media-dev');
  const b = physicalNames('media-dev2');

  it('finds the named resources (proxy, secrets, alarms, dashboard, budget)', () => {
    for (const type of [
      'AWS::RDS::DBProxy',
      'AWS::SecretsManager::Secret',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'AWS::Budgets::Budget',
    ]) {
      expect(
        a.some((n) => n.startsWith(`${type}.`)),
        type,
      ).toBe(true);
    }
  });

  it('prefixes every physical name by environment', () => {
    const value = (n: string) => n.slice(n.indexOf('=') + 1);
    // CDK-generated names start with the stack name with its dashes removed.
    expect(a.filter((n) => !value(n).startsWith('media-dev') && !value(n).startsWith('mediadev'))).toEqual([]);
  });

  it('shares no physical name between two environments in one account', () => {
    const values = (l: string[]) => new Set(l.map((n) => `${n.split('.')[0]}=${n.slice(n.indexOf('=') + 1)}`));
    const shared = [...values(a)].filter((n) => values(b).has(n));
    expect(shared).toEqual([]);
  });
});
