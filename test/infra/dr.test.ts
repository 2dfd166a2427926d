/**
 * Disaster recovery and the alarms added with it, on the app as `cdk synth`
 * builds it for prod (with a DR region): replica buckets and keys in the DR
 * stack, replication with RTC from the origin, cross-region automated
 * backups, and an alarm or a notification for every way these can fail.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { createApp } from '../../infra/create-app.js';
import { FIXTURE_CDN_PUBLIC_KEY_FILE, fixtureEntries, NO_BUNDLING, RELAY_CONTEXT } from './helpers.js';

const prod = {
  env: 'prod',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  alarmEmail: 'ops@example.com',
  corsOrigins: 'https://app.example.com',
  cdnPublicKeyFile: FIXTURE_CDN_PUBLIC_KEY_FILE,
  ...RELAY_CONTEXT,
};

function synth(context: Record<string, unknown>) {
  const built = createApp({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-dr-')),
    context: { ...NO_BUNDLING, ...context },
    entries: fixtureEntries,
    nag: false,
  });
  built.app.synth();
  return { ...built, origin: Template.fromStack(built.stack), drTemplate: built.dr ? Template.fromStack(built.dr) : undefined };
}

describe('disaster recovery', () => {
  const { stack, dr, origin, drTemplate } = synth(prod);

  it('puts the DR stack in the second region and deploys it before the origin', () => {
    expect(dr?.region).toBe('eu-west-1');
    expect(stack.dependencies).toContain(dr);
  });

  it('keeps versioned, KMS-encrypted replicas under a key of the DR region, plus a key for the DB backups', () => {
    drTemplate!.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['media-prod-raw-replica-', { Ref: 'AWS::AccountId' }]] },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
    drTemplate!.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/media-prod-dr-media' });
    drTemplate!.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/media-prod-dr-db-backups' });
    drTemplate!.resourceCountIs('AWS::KMS::Key', 2);
  });

  it('replicates raw originals with Replication Time Control and metrics, re-encrypted with the DR key', () => {
    origin.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [
          Match.objectLike({
            Id: 'raw-to-dr',
            Status: 'Enabled',
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: Match.objectLike({
              Bucket: { 'Fn::Join': ['', Match.arrayWith([':s3:::media-prod-raw-replica-'])] },
              EncryptionConfiguration: {
                ReplicaKmsKeyID: { 'Fn::Join': ['', Match.arrayWith([':kms:eu-west-1:', ':alias/media-prod-dr-media'])] },
              },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
            }),
          }),
        ],
      },
    });
    expect(Object.values(origin.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.ReplicationConfiguration)).toHaveLength(1);
  });

  it('replicates derivatives too when configured', () => {
    const withDerivatives = synth({ ...prod, drReplicateDerivatives: 'true' });
    expect(
      Object.values(withDerivatives.origin.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.ReplicationConfiguration),
    ).toHaveLength(2);
    withDerivatives.drTemplate!.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['media-prod-derivatives-replica-', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('copies automated backups (point-in-time restore) into the DR region with the DR key', () => {
    origin.hasResourceProperties('AWS::RDS::DBInstance', {
      BackupRetentionPeriod: 30,
      AutomaticBackupReplicationRegion: 'eu-west-1',
      AutomaticBackupReplicationRetentionPeriod: 7,
      AutomaticBackupReplicationKmsKeyId: { 'Fn::Join': ['', Match.arrayWith([':kms:eu-west-1:', ':alias/media-prod-dr-db-backups'])] },
    });
  });

  it('alarms on replication failures and latency past 30 minutes, and routes backup problems to the topic', () => {
    for (const [metric, threshold] of [
      ['OperationsFailedReplication', 0],
      ['ReplicationLatency', 1800],
    ] as const) {
      origin.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/S3',
        Threshold: threshold,
        Dimensions: Match.arrayWith([{ Name: 'RuleId', Value: 'raw-to-dr' }]),
        AlarmActions: [Match.anyValue()],
      });
    }
    origin.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.rds'],
        detail: Match.objectLike({ EventCategories: ['backup', 'recovery', 'failure'] }),
      }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('ObservabilityAlarms') } })],
    });
  });

  it('requires a DR region in prod, different from the primary', () => {
    const ctx = (v: Record<string, unknown>) => (k: string) => v[k];
    expect(() => loadConfig(ctx({ ...prod, drRegion: undefined }))).toThrow(/drRegion: required/);
    expect(() => loadConfig(ctx({ ...prod, drRegion: 'eu-central-1' }))).toThrow(/other than eu-central-1/);
    expect(synth({}).dr).toBeUndefined();
  });
});

describe('operational alarms', () => {
  const { origin } = synth(prod);
  const alarm = (suffix: string) =>
    Object.values(origin.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === `media-prod-${suffix}`)
      ?.Properties;

  it.each([
    ['relay-elb-5xx', 'HTTPCode_ELB_5XX_Count'],
    ['relay-target-5xx', 'HTTPCode_Target_5XX_Count'],
    ['relay-healthy-tasks', 'HealthyHostCount'],
    ['db-connections', 'DatabaseConnections'],
    ['db-freeable-memory', 'FreeableMemory'],
    ['db-cpu-credits', 'CPUCreditBalance'],
    ['ingest-oldest-message', 'ApproximateAgeOfOldestMessage'],
  ])('%s watches %s and notifies the topic', (name, metric) => {
    const a = alarm(name);
    expect(a?.MetricName).toBe(metric);
    expect(a?.AlarmActions).toHaveLength(1);
  });

  it('treats missing relay health data as unhealthy and sets the connection alarm from the budget', () => {
    expect(alarm('relay-healthy-tasks')).toMatchObject({
      Threshold: 2,
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
    });
    expect(alarm('db-connections')?.Threshold).toBe(Math.floor(Math.floor(225 * 0.9 * 0.8) * 0.8));
  });

  it('routes failed MediaConvert jobs of its queue to the alarm topic (as the VOD solution does)', () => {
    origin.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.mediaconvert'], detail: Match.objectLike({ status: ['ERROR'] }) }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('ObservabilityAlarms') } })],
    });
    // EventBridge may use the topic's key.
    origin.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })]) },
    });
  });
});
