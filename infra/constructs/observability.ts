import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { HttpCodeElb, HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
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
  /** The ingest queue: alarmed on the age of its oldest message. */
  readonly ingestQueue?: sqs.IQueue;
  /** Seconds the oldest ingest message may wait before the alarm. @default 900 */
  readonly maxIngestAgeSeconds?: number;
  /** Connections the RDS Proxy may open (the budget): alarm at 80 % of it. */
  readonly dbConnectionLimit?: number;
  /** The DB relay's load balancer and targets. */
  readonly relay?: {
    readonly loadBalancer: elbv2.ApplicationLoadBalancer;
    readonly targetGroup: elbv2.ApplicationTargetGroup;
    readonly desiredCount: number;
  };
  /** MediaConvert queue whose failed jobs notify the topic. */
  readonly mediaConvertQueueArn?: string;
  /** S3 replication rules to alarm on (failures, latency past the RPO margin). */
  readonly replication?: { readonly sourceBucket: string; readonly destinationBucket: string; readonly ruleId: string }[];
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
    for (const service of ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com', 'events.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'], // in a key policy, '*' means this key
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: `${props.prefix} alarms` });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      op = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ) => {
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
      fnWidgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: invocations / errors / duration`,
          left: [fn.metricInvocations(), errors, throttles],
          right: [fn.metricDuration({ statistic: 'p95' })],
          width: 12,
        }),
      );
    }

    const cpu = props.database.metricCPUUtilization({ period: Duration.minutes(5) });
    const freeStorage = props.database.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: 'Minimum' });
    const minFree = props.minFreeStorageBytes ?? 2 * 1024 ** 3;
    alarm('db-cpu', cpu, 80, 'Postgres CPU above 80 % (t4g burst credits may be running out)');
    alarm('db-free-storage', freeStorage, minFree, 'Postgres free storage is low', cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD);
    const lt = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;
    const dbMetric = (metricName: string, statistic: string) =>
      props.database.metric(metricName, { period: Duration.minutes(5), statistic });
    alarm(
      'db-freeable-memory',
      dbMetric('FreeableMemory', 'Minimum'),
      64 * 1024 ** 2,
      'Postgres has under 64 MiB of freeable memory (swapping next)',
      lt,
    );
    alarm(
      'db-cpu-credits',
      dbMetric('CPUCreditBalance', 'Minimum'),
      20,
      'Postgres burst credits nearly spent: CPU will be throttled or charged as surplus',
      lt,
    );
    if (props.dbConnectionLimit) {
      alarm(
        'db-connections',
        props.database.metricDatabaseConnections({ period: Duration.minutes(5), statistic: 'Maximum' }),
        Math.floor(props.dbConnectionLimit * 0.8),
        "Postgres connections above 80 % of the proxy's budget",
      );
    }
    if (props.ingestQueue) {
      alarm(
        'ingest-oldest-message',
        props.ingestQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        props.maxIngestAgeSeconds ?? 900,
        'An upload has waited for ingest longer than the limit (backlog or stuck consumer)',
      );
    }
    if (props.relay) {
      const { loadBalancer: alb, targetGroup: tg } = props.relay;
      const sum = { period: Duration.minutes(5), statistic: 'Sum' };
      alarm(
        'relay-elb-5xx',
        alb.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, sum),
        5,
        'DB relay load balancer answered 5xx (no healthy task, or tasks failing)',
      );
      alarm(
        'relay-target-5xx',
        alb.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, sum),
        5,
        'DB relay tasks answered 5xx (session cap reached or target unreachable)',
      );
      const minimum = { period: Duration.minutes(1), statistic: 'Minimum' };
      const healthy = tg.metrics.healthyHostCount(minimum);
      const a = alarm(
        'relay-healthy-tasks',
        healthy,
        props.relay.desiredCount,
        'Fewer DB relay tasks pass /readyz than desired (RDS Proxy unreachable or tasks crashing)',
        lt,
      );
      (a.node.defaultChild as cloudwatch.CfnAlarm).evaluationPeriods = 3;
      (a.node.defaultChild as cloudwatch.CfnAlarm).treatMissingData = 'breaching';
    }
    for (const r of props.replication ?? []) {
      const dims = { SourceBucket: r.sourceBucket, DestinationBucket: r.destinationBucket, RuleId: r.ruleId };
      const m = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/S3', metricName, dimensionsMap: dims, period: Duration.minutes(5), statistic });
      alarm(
        `replication-${r.ruleId}-failed`,
        m('OperationsFailedReplication', 'Sum'),
        0,
        `S3 replication ${r.ruleId} failed operations (objects missing in the DR region)`,
      );
      alarm(
        `replication-${r.ruleId}-latency`,
        m('ReplicationLatency', 'Maximum'),
        1800,
        `S3 replication ${r.ruleId} lags over 30 minutes (RPO 1 h at risk)`,
      );
    }
    this.eventAlarms(props);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${props.prefix}-media`,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
        [
          new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', left: [dlqDepth], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Postgres CPU / free storage', left: [cpu], right: [freeStorage], width: 12 }),
        ],
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
        {
          notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' },
          subscribers,
        },
        {
          notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' },
          subscribers,
        },
      ],
    });
  }

  /** Events that are not metrics: failed MediaConvert jobs (also seen by the completion handler) and failed or late backups. */
  private eventAlarms(props: ObservabilityProps): void {
    const toTopic = new targets.SnsTopic(this.topic);
    if (props.mediaConvertQueueArn) {
      new events.Rule(this, 'TranscodeFailed', {
        description: 'MediaConvert jobs of this queue that failed: notify operators',
        eventPattern: {
          source: ['aws.mediaconvert'],
          detailType: ['MediaConvert Job State Change'],
          detail: { queue: [props.mediaConvertQueueArn], status: ['ERROR'] },
        },
        targets: [toTopic],
      });
    }
    new events.Rule(this, 'DatabaseBackupProblem', {
      description: 'RDS backup, recovery and cross-region backup replication failures of the instance',
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Instance Event'],
        detail: {
          SourceIdentifier: [props.database.instanceIdentifier],
          EventCategories: ['backup', 'recovery', 'failure'],
          Message: [{ wildcard: '*fail*' }, { wildcard: '*Fail*' }, { wildcard: '*unable*' }, { wildcard: '*Unable*' }],
        },
      },
      targets: [toTopic],
    });
  }
}
