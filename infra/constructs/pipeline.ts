import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as mediaconvert from 'aws-cdk-lib/aws-mediaconvert';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_BATCH_SIZE, ingestTimeoutSeconds } from '../capacity.js';
import { acknowledgeBucketGrants } from './nag.js';
import { NodeFunction } from './node-function.js';

/** Entry files of the pipeline handlers (each exports `handler`). */
export interface PipelineEntries {
  /** @default origin/handlers/ingest.ts */
  readonly ingest: string;
  /** @default origin/handlers/mediaconvert-complete.ts */
  readonly complete: string;
  /** @default origin/handlers/purge.ts */
  readonly purge: string;
  /** @default origin/handlers/sweeper.ts */
  readonly sweeper: string;
  /** @default origin/handlers/webhooks.ts */
  readonly webhooks: string;
}

export const DEFAULT_ENTRIES: PipelineEntries = {
  ingest: 'origin/handlers/ingest.ts',
  complete: 'origin/handlers/mediaconvert-complete.ts',
  purge: 'origin/handlers/purge.ts',
  sweeper: 'origin/handlers/sweeper.ts',
  webhooks: 'origin/handlers/webhooks.ts',
};

export interface PipelineProps {
  readonly raw: s3.IBucket;
  readonly derivatives: s3.IBucket;
  /**
   * Postgres credentials, read by the handlers at cold start (never put in
   * env): ingest, completion and sweeper log in as the pipeline role, the
   * purge as the purge role (shared/db/migrations/0005_least_privilege_roles.sql).
   */
  readonly dbSecrets: { readonly pipeline: secretsmanager.ISecret; readonly purge: secretsmanager.ISecret };
  /** The DB relay's caller-proof key, read at cold start like the DB secret. */
  readonly relayKeySecret?: secretsmanager.ISecret;
  /** Settings every handler shares: bucket names, DB host/relay, etc. */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** @default DEFAULT_ENTRIES */
  readonly entries?: PipelineEntries;
  /** Ingest Lambda timeout; the queue's visibility timeout is six times this. @default ingestTimeoutSeconds() (infra/capacity.ts) */
  readonly ingestTimeout?: Duration;
  /** Concurrent ingest invocations the queue may drive (its share of the DB connection budget). @default 4 */
  readonly ingestMaxConcurrency?: number;
  /** Receives before a message moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * S3 ObjectCreated (raw) -> EventBridge -> SQS (+DLQ) -> ingest Lambda, the
 * MediaConvert queue and role, the job-completion handler, and the scheduled
 * purge and stuck-job sweeper.
 */
export class Pipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly ingest: lambda.Function;
  readonly complete: lambda.Function;
  readonly purge: lambda.Function;
  readonly sweeper: lambda.Function;
  /** Delivers signed webhooks from the outbox (origin/handlers/webhooks.ts), every minute. */
  readonly webhooks: lambda.Function;
  /**
   * WEBHOOK_SECRET_KEY: seals endpoint signing secrets. The webhooks function
   * reads it at cold start; the Worker holds a copy as a Wrangler secret
   * (docs/deploy.md), so it is not rotated automatically.
   */
  readonly webhookKeySecret: secretsmanager.Secret;
  readonly mediaConvertRole: iam.Role;
  readonly mediaConvertQueue: mediaconvert.CfnQueue;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const entries = props.entries ?? DEFAULT_ENTRIES;
    const ingestTimeout = props.ingestTimeout ?? Duration.seconds(ingestTimeoutSeconds());
    const ingestMaxConcurrency = props.ingestMaxConcurrency ?? 4;
    if (!Number.isInteger(ingestMaxConcurrency) || ingestMaxConcurrency < 2 || ingestMaxConcurrency > 1000) {
      throw new Error(
        `Pipeline: ingestMaxConcurrency must be an integer in [2, 1000] (SQS event source limits), got ${ingestMaxConcurrency}`,
      );
    }
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`Pipeline: maxReceiveCount must be an integer in [1, 1000], got ${maxReceiveCount}`);
    }
    if (ingestTimeout.toSeconds() > 900) throw new Error('Pipeline: ingestTimeout exceeds the Lambda maximum of 15 minutes');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Ingest', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance: at least six times the consumer's timeout so retries do not overlap a running attempt.
      visibilityTimeout: Duration.seconds(ingestTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    new events.Rule(this, 'RawObjectCreated', {
      description: 'New originals in the raw bucket start ingest',
      eventPattern: { source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: [props.raw.bucketName] } } },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.mediaConvertQueue = new mediaconvert.CfnQueue(this, 'TranscodeQueue', {
      description: 'Video renditions (HLS ladder, poster, preview)',
      pricingPlan: 'ON_DEMAND',
      status: 'ACTIVE',
    });
    this.mediaConvertRole = new iam.Role(this, 'MediaConvertRole', {
      assumedBy: new iam.ServicePrincipal('mediaconvert.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'MediaConvert reads originals and writes renditions',
    });
    props.raw.grantRead(this.mediaConvertRole);
    props.derivatives.grantPut(this.mediaConvertRole);

    const env = {
      ...props.environment,
      DATABASE_SECRET_ARN: props.dbSecrets.pipeline.secretArn,
      ...(props.relayKeySecret ? { DATABASE_RELAY_SECRET_ARN: props.relayKeySecret.secretArn } : {}),
      MEDIACONVERT_QUEUE_ARN: this.mediaConvertQueue.attrArn,
      MEDIACONVERT_ROLE_ARN: this.mediaConvertRole.roleArn,
    };
    const make = (
      id: string,
      entry: string,
      description: string,
      extra: Partial<ConstructorParameters<typeof NodeFunction>[2]> = {},
      dbSecret = props.dbSecrets.pipeline,
    ) => {
      const environment = { ...env, DATABASE_SECRET_ARN: dbSecret.secretArn };
      const f = new NodeFunction(this, id, { entry, description, environment, logRetention: props.logRetention, ...extra }).fn;
      dbSecret.grantRead(f);
      props.relayKeySecret?.grantRead(f);
      return f;
    };

    // sharp is a native addon and cannot be bundled by esbuild; see NodeFunction for the arm64 install.
    this.ingest = make('IngestFn', entries.ingest, 'Sniffs, checks and derives new originals', {
      memorySize: 2048,
      timeout: ingestTimeout,
      nodeModules: ['sharp'],
    });
    // One message per invocation and a bounded number of invocations: a bulk
    // upload queues up instead of taking the connections the Worker needs.
    this.ingest.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INGEST_BATCH_SIZE,
        maxConcurrency: ingestMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    props.raw.grantRead(this.ingest);
    props.derivatives.grantPut(this.ingest);
    this.grantTranscode(this.ingest, ['mediaconvert:CreateJob']);
    this.mediaConvertRole.grantPassRole(this.ingest.grantPrincipal);

    this.complete = make('CompleteFn', entries.complete, 'Records MediaConvert results as derivatives');
    props.derivatives.grantRead(this.complete);
    // Copies the chosen frame capture to {assetId}/poster.jpg (server-side CopyObject).
    props.derivatives.grantPut(this.complete);
    new events.Rule(this, 'TranscodeStateChange', {
      description: 'MediaConvert job results for this queue',
      eventPattern: {
        source: ['aws.mediaconvert'],
        detailType: ['MediaConvert Job State Change'],
        detail: { queue: [this.mediaConvertQueue.attrArn], status: ['COMPLETE', 'ERROR', 'CANCELED'] },
      },
      targets: [new targets.LambdaFunction(this.complete, { retryAttempts: 8, deadLetterQueue: this.deadLetterQueue })],
    });

    this.purge = make(
      'PurgeFn',
      entries.purge,
      'Deletes originals, versions and derivatives past retention',
      {
        timeout: Duration.minutes(15),
      },
      props.dbSecrets.purge,
    );
    for (const bucket of [props.raw, props.derivatives]) {
      bucket.grantDelete(this.purge);
      this.purge.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [bucket.bucketArn],
        }),
      );
      this.purge.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObjectVersion'], resources: [bucket.arnForObjects('*')] }));
    }
    new events.Rule(this, 'PurgeDaily', {
      description: 'Daily purge of soft-deleted assets past retention',
      schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
      targets: [new targets.LambdaFunction(this.purge, { retryAttempts: 2 })],
    });

    this.sweeper = make('SweeperFn', entries.sweeper, 'Finalises jobs stuck past their deadline', {
      timeout: Duration.minutes(5),
    });
    // The sweeper resubmits a transcode stuck past its deadline (origin/pipeline/sweeper.ts).
    this.grantTranscode(this.sweeper, ['mediaconvert:CreateJob', 'mediaconvert:GetJob', 'mediaconvert:ListJobs']);
    this.mediaConvertRole.grantPassRole(this.sweeper.grantPrincipal);
    // Abandoned uploads: see whether a late object arrived, and abort open multipart uploads.
    props.raw.grantRead(this.sweeper);
    this.sweeper.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: [props.raw.arnForObjects('*')] }),
    );
    // Reconciliation re-queues originals whose event was lost (origin/pipeline/reconcile.ts).
    this.queue.grantSendMessages(this.sweeper);
    this.sweeper.addEnvironment('INGEST_QUEUE_URL', this.queue.queueUrl);
    new events.Rule(this, 'SweepStuckJobs', {
      description: 'Every 15 minutes: re-queue or fail stuck jobs',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.sweeper, { retryAttempts: 0 })],
    });

    this.webhookKeySecret = new secretsmanager.Secret(this, 'WebhookKey', {
      description: 'WEBHOOK_SECRET_KEY: seals webhook signing secrets (the edge seals, the webhooks function opens)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.webhookKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The Worker holds a copy as a Wrangler secret and every sealed endpoint secret depends on it; rotation is a documented runbook (docs/deploy.md, "Webhooks").',
    });
    // Outside the VPC like the others: it reaches receivers on the internet directly. No reserved
    // concurrency (docs/deploy.md, step 2): the 55 s timeout ends a run before the next one starts, so
    // it holds one Lambda's connections (infra/capacity.ts); a run cut off mid-send leaves its claimed
    // rows to be taken again when their lease ends (origin/webhooks/dispatcher.ts).
    this.webhooks = make('WebhooksFn', entries.webhooks, 'Delivers signed webhooks from the outbox', {
      timeout: Duration.seconds(55),
    });
    this.webhookKeySecret.grantRead(this.webhooks);
    this.webhooks.addEnvironment('WEBHOOK_SECRET_KEY_SECRET_ARN', this.webhookKeySecret.secretArn);
    new events.Rule(this, 'DeliverWebhooks', {
      description: 'Every minute: deliver due webhooks (several passes per run)',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.webhooks, { retryAttempts: 0 })],
    });

    acknowledgeBucketGrants(this.ingest, { read: [props.raw], put: [props.derivatives] });
    acknowledgeBucketGrants(this.mediaConvertRole, { read: [props.raw], put: [props.derivatives] });
    acknowledgeBucketGrants(this.complete, { read: [props.derivatives], put: [props.derivatives] });
    acknowledgeBucketGrants(this.purge, { delete: [props.raw, props.derivatives] });
    acknowledgeBucketGrants(this.sweeper, { read: [props.raw] });
    for (const f of [this.ingest, this.sweeper]) {
      Validations.of(f).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.jobsArn().replace(Aws.PARTITION, '<AWS::Partition>').replace(Aws.ACCOUNT_ID, '<AWS::AccountId>')}]`,
        reason: 'MediaConvert assigns job ids at CreateJob time; limited to jobs of this account and region.',
      });
    }
  }

  /** MediaConvert actions on this queue and on jobs of this account/region. */
  private grantTranscode(fn: lambda.Function, actions: string[]): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [this.mediaConvertQueue.attrArn, this.jobsArn()] }));
  }

  /** `arn:<partition>:mediaconvert:<region>:<account>:jobs/*` (partition and account stay tokens). */
  private jobsArn(): string {
    return `arn:${Aws.PARTITION}:mediaconvert:${Stack.of(this).region}:${Aws.ACCOUNT_ID}:jobs/*`;
  }
}
