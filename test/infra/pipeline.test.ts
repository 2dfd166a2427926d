import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { Pipeline, type PipelineProps } from '../../infra/constructs/pipeline.js';
import { Storage } from '../../infra/constructs/storage.js';
import { fixtureEntries, templateOf, testStack } from './helpers.js';

function build(stack: ReturnType<typeof testStack>, overrides: Partial<PipelineProps> = {}): Pipeline {
  const storage = new Storage(stack, 'Storage', { corsOrigins: ['https://app.example.com'] });
  return new Pipeline(stack, 'Pipeline', {
    raw: storage.raw,
    derivatives: storage.derivatives,
    dbSecrets: { pipeline: new secretsmanager.Secret(stack, 'DbSecret'), purge: new secretsmanager.Secret(stack, 'PurgeSecret') },
    environment: { S3_BUCKET_RAW: 'raw' },
    logRetention: logs.RetentionDays.ONE_MONTH,
    entries: fixtureEntries,
    ...overrides,
  });
}

describe('Pipeline', () => {
  const t = templateOf((s) => build(s));

  it('routes raw Object Created events from EventBridge to SQS', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [Match.anyValue()] } } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineIngest'), 'Arn'] } })],
    });
  });

  it('encrypts the queues, enforces TLS and dead-letters after 5 receives', () => {
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 2);
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 300,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    t.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      },
      2,
    );
  });

  it('runs five Node arm64 Lambdas, ingest fed by SQS with partial batch failures', () => {
    t.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] }, 5);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Environment: { Variables: Match.objectLike({ MEDIACONVERT_QUEUE_ARN: Match.anyValue(), DATABASE_SECRET_ARN: Match.anyValue() }) },
    });
  });

  it('gives MediaConvert its own role and queue', () => {
    t.resourceCountIs('AWS::MediaConvert::Queue', 1);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'mediaconvert.amazonaws.com' } })] },
    });
  });

  it('handles job state changes and schedules purge and sweeper', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.mediaconvert'], 'detail-type': ['MediaConvert Job State Change'] }),
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(17 3 * * ? *)' });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('lets only ingest and the stuck-job sweeper pass the MediaConvert role and create jobs', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const passers = Object.keys(policies).filter((id) => JSON.stringify(policies[id]).includes('iam:PassRole'));
    const creators = Object.keys(policies).filter((id) => JSON.stringify(policies[id]).includes('mediaconvert:CreateJob'));
    const expected = [expect.stringMatching(/IngestFn/), expect.stringMatching(/SweeperFn/)];
    expect(passers.sort()).toEqual(expected);
    expect(creators.sort()).toEqual(expected);
  });

  it('lets the sweeper re-queue lost originals on the ingest queue, and only the sweeper', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('stuck'),
      Environment: { Variables: Match.objectLike({ INGEST_QUEUE_URL: { Ref: Match.stringLikeRegexp('PipelineIngest') } }) },
    });
    const withUrl = Object.values(t.findResources('AWS::Lambda::Function')).filter((f) => JSON.stringify(f).includes('INGEST_QUEUE_URL'));
    expect(withUrl).toHaveLength(1);
    const policies = t.findResources('AWS::IAM::Policy');
    const senders = Object.keys(policies).filter((id) => JSON.stringify(policies[id]).includes('sqs:SendMessage'));
    expect(senders).toEqual([expect.stringMatching(/SweeperFn/)]);
  });

  it('runs the webhooks dispatcher every minute, outside the VPC, with the sealing key secret readable by it alone', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineWebhooksFn'), 'Arn'] } })],
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Delivers signed webhooks from the outbox',
      Timeout: 55,
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_SECRET_KEY_SECRET_ARN: { Ref: Match.stringLikeRegexp('PipelineWebhookKey') },
          DATABASE_SECRET_ARN: { Ref: 'DbSecret685A0FA5' },
        }),
      },
    });
    // Not in a VPC: receivers are on the internet.
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Description === 'Delivers signed webhooks from the outbox',
    );
    expect(fn!.Properties.VpcConfig).toBeUndefined();
    const policies = t.findResources('AWS::IAM::Policy');
    const readers = Object.keys(policies).filter((id) => /PipelineWebhookKey/.test(JSON.stringify(policies[id])));
    expect(readers).toEqual([expect.stringMatching(/WebhooksFn/)]);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
  });

  it('gives the purge its own database secret and the other handlers the pipeline one', () => {
    const fns = Object.values(t.findResources('AWS::Lambda::Function'))
      .map((f) => f.Properties.Environment?.Variables as Record<string, { Ref?: string }> | undefined)
      .filter((v) => v?.DATABASE_SECRET_ARN)
      .map((v) => v!.DATABASE_SECRET_ARN!.Ref);
    expect(fns.sort()).toEqual([
      expect.stringMatching(/^DbSecret/),
      expect.stringMatching(/^DbSecret/),
      expect.stringMatching(/^DbSecret/),
      expect.stringMatching(/^DbSecret/),
      expect.stringMatching(/^PurgeSecret/),
    ]);
  });

  it('rejects a bad receive count and an over-long ingest timeout', () => {
    expect(() => build(testStack(), { maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
    expect(() => build(testStack(), { ingestTimeout: Duration.minutes(20) })).toThrow(/15 minutes/);
  });
});
