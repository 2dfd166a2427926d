import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** Prefix of alarm, dashboard and budget names. */
  readonly prefix: string;
  readonly deadLetterQueue: sqs.IQueue;
  /** Functions alarmed on errors and throttles, by display name. */
  readonly functions: Record<string, lambda.IFunction>;
  readonly database: rds.DatabaseInstance;
  /** Receives alarms and budget notifications. Required when `requireEmail`. */
  readonly alarmEmail?: string;
  /** Refuse to build without an email (prod). @default false */
  readonly requireEmail?: boolean;
  /** Monthly budget in USD; notifies at 80 % actual and 100 % forecast. */
  readonly monthlyBudgetUsd: number;
  /** Alarm when free storage falls below this. @default 2 GiB */
  readonly minFreeStorageBytes?: number;
}

/** Alarms to an encrypted SNS topic, a dashboard, and a monthly cost budget. */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    if (props.requireEmail && !props.alarmEmail) {
      throw new Error('Observability: alarmEmail is required (nobody would hear the alarms)');
    }
    if (!(props.monthlyBudgetUsd > 0)) {
      throw new Error(`Observability: monthlyBudgetUsd must be positive, got ${props.monthlyBudgetUsd}`);
    }

    // A customer key, because the AWS-managed SNS key cannot grant CloudWatch or Budgets.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com']) {
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, '*' means this key
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }));
    }
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: `${props.prefix} alarms` });
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
    }));
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, op = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${props.prefix}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: op,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      this.alarms.push(a);
      return a;
    };

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
    alarm('dlq-depth', dlqDepth, 0, 'Messages in the pipeline dead-letter queue: an ingest or completion failed for good');

    const fnWidgets: cloudwatch.IWidget[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' });
      const throttles = fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' });
      alarm(`${name}-errors`, errors, 0, `${name} Lambda reported errors`);
      alarm(`${name}-throttles`, throttles, 0, `${name} Lambda was throttled`);
      fnWidgets.push(new cloudwatch.GraphWidget({
        title: `${name}: invocations / errors / duration`,
        left: [fn.metricInvocations(), errors, throttles],
        right: [fn.metricDuration({ statistic: 'p95' })],
        width: 12,
      }));
    }

    const cpu = props.database.metricCPUUtilization({ period: Duration.minutes(5) });
    const freeStorage = props.database.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: 'Minimum' });
    const minFree = props.minFreeStorageBytes ?? 2 * 1024 ** 3;
    alarm('db-cpu', cpu, 80, 'Postgres CPU above 80 % (t4g burst credits may be running out)');
    alarm('db-free-storage', freeStorage, minFree, 'Postgres free storage is low', cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.prefix}-media`,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        [new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', left: [dlqDepth], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Postgres CPU / free storage', left: [cpu], right: [freeStorage], width: 12 })],
        fnWidgets,
      ],
    });

    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [{ subscriptionType: 'SNS', address: this.topic.topicArn }];
    if (props.alarmEmail) subscribers.push({ subscriptionType: 'EMAIL', address: props.alarmEmail });
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: `${props.prefix}-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [
        { notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' }, subscribers },
        { notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' }, subscribers },
      ],
    });
  }
}
