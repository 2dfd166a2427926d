import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { Observability, type ObservabilityProps } from '../../infra/constructs/observability.js';
import { templateOf, testStack } from './helpers.js';

function build(stack: ReturnType<typeof testStack>, overrides: Partial<ObservabilityProps> = {}): Observability {
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler=()=>{}'),
  });
  return new Observability(stack, 'Obs', {
    prefix: 'media-test',
    deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    functions: { ingest: fn },
    database: new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    }),
    alarmEmail: 'ops@example.com',
    monthlyBudgetUsd: 100,
    ...overrides,
  });
}

describe('Observability', () => {
  const t = templateOf((s) => build(s));

  it('publishes to an encrypted, TLS-only topic with an email subscriber', () => {
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'budgets.amazonaws.com' }, Action: 'sns:Publish' })]),
      },
    });
  });

  it('alarms on DLQ depth, Lambda errors and throttles, and RDS CPU and storage', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [Match.anyValue()],
    });
    for (const metric of ['Errors', 'Throttles']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: metric, Threshold: 0 });
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Threshold: 80 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'FreeStorageSpace',
      ComparisonOperator: 'LessThanThreshold',
    });
    // + freeable memory and CPU credits; the relay, connection, ingest-age and replication alarms need their props.
    for (const metric of ['FreeableMemory', 'CPUCreditBalance']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/RDS',
        MetricName: metric,
        ComparisonOperator: 'LessThanThreshold',
      });
    }
    t.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('creates a monthly cost budget that notifies the topic and the email', () => {
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetName: 'media-test-monthly', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 100, Unit: 'USD' } },
      NotificationsWithSubscribers: Match.arrayWith([
        Match.objectLike({
          Subscribers: [
            { SubscriptionType: 'SNS', Address: Match.anyValue() },
            { SubscriptionType: 'EMAIL', Address: 'ops@example.com' },
          ],
        }),
      ]),
    });
  });

  it('refuses to run without an email when one is required, or with a zero budget', () => {
    expect(() => build(testStack(), { alarmEmail: undefined, requireEmail: true })).toThrow(/alarmEmail/);
    expect(() => build(testStack(), { monthlyBudgetUsd: 0 })).toThrow(/monthlyBudgetUsd/);
  });
});
