import { CfnOutput, RemovalPolicy, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { OriginConfig } from './config.js';
import { Cdn } from './constructs/cdn.js';
import { connectionBudget } from './capacity.js';
import { Data, DB_ROLES, PROXY_MAX_CONNECTIONS_PERCENT } from './constructs/data.js';
import { DbRelay } from './constructs/db-relay.js';
import { EdgeAccess } from './constructs/edge-access.js';
import { Observability } from './constructs/observability.js';
import { DEFAULT_ENTRIES, Pipeline, type PipelineEntries } from './constructs/pipeline.js';
import { Replication } from './constructs/replication.js';
import { Storage } from './constructs/storage.js';
import { drNames } from './dr-stack.js';

export interface OriginStackProps extends StackProps {
  readonly config: OriginConfig;
  /** Handler entry files; tests point these at fixtures. @default DEFAULT_ENTRIES */
  readonly entries?: PipelineEntries;
}

/** The whole AWS origin: storage, CDN, pipeline, Postgres (+ relay), edge identity, alarms. */
export class OriginStack extends Stack {
  readonly storage: Storage;
  readonly cdn: Cdn;
  readonly data: Data;
  readonly relay?: DbRelay;
  readonly pipeline: Pipeline;
  readonly edgeAccess: EdgeAccess;
  readonly observability: Observability;
  readonly replication?: Replication;

  constructor(scope: Construct, id: string, props: OriginStackProps) {
    super(scope, id, props);
    const c = props.config;
    const prod = c.envName === 'prod';
    const logRetention = c.logRetentionDays as logs.RetentionDays;
    for (const [k, v] of Object.entries(c.tags)) Tags.of(this).add(k, v);

    this.storage = new Storage(this, 'Storage', {
      corsOrigins: c.corsOrigins,
      retentionDays: c.retentionDays,
      logRetentionDays: prod ? 365 : 90,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.cdn = new Cdn(this, 'Cdn', {
      derivatives: this.storage.derivatives,
      logBucket: this.storage.logs,
      publicKeyPem: c.cdnPublicKeyPem,
      corsOrigins: c.corsOrigins,
      priceClass: prod ? cloudfront.PriceClass.PRICE_CLASS_ALL : cloudfront.PriceClass.PRICE_CLASS_100,
    });
    const dr = c.drRegion ? drNames(c.prefix, c.drRegion) : undefined;
    if (c.drRegion && dr) {
      const buckets = [{ source: this.storage.raw, destinationBucketName: dr.rawReplicaBucket, ruleId: 'raw-to-dr' }];
      if (c.drReplicateDerivatives) {
        buckets.push({ source: this.storage.derivatives, destinationBucketName: dr.derivativesReplicaBucket, ruleId: 'derivatives-to-dr' });
      }
      this.replication = new Replication(this, 'Replication', {
        buckets,
        sourceKey: this.storage.key,
        drRegion: c.drRegion,
        replicaKeyAlias: dr.mediaKeyAlias,
      });
    }
    this.data = new Data(this, 'Data', {
      multiAz: c.multiAz,
      backupRetentionDays: c.backupRetentionDays,
      deletionProtection: c.deletionProtection,
      performanceInsights: c.performanceInsights,
      flowLogBucket: this.storage.logs,
      prefix: c.prefix,
      instanceSize: c.dbInstanceSize,
      ...(c.drRegion && dr
        ? { backupReplication: { region: c.drRegion, kmsKeyAliasArn: dr.aliasArn(dr.backupKeyAlias), retentionDays: 7 } }
        : {}),
    });
    if (c.relay) {
      this.relay = new DbRelay(this, 'DbRelay', {
        vpc: this.data.vpc,
        proxy: this.data.proxy,
        certificateArn: c.relay.certificateArn,
        domainName: c.relay.domainName,
        accessLogBucket: this.storage.logs,
        logRetention,
        desiredCount: prod ? 2 : 1,
        prefix: c.prefix,
        // The Worker's role: the relay logs in as it (the Worker holds no database password).
        login: { secret: this.data.roleSecrets.edge, user: DB_ROLES.edge, database: this.data.databaseName },
        ...(c.relayAllowedCidrs ? { allowedCidrs: c.relayAllowedCidrs } : {}),
      });
    }

    this.pipeline = new Pipeline(this, 'Pipeline', {
      raw: this.storage.raw,
      derivatives: this.storage.derivatives,
      dbSecrets: { pipeline: this.data.roleSecrets.pipeline, purge: this.data.roleSecrets.purge },
      ...(this.relay ? { relayKeySecret: this.relay.keySecret } : {}),
      logRetention,
      ingestMaxConcurrency: c.ingestMaxConcurrency,
      entries: props.entries ?? DEFAULT_ENTRIES,
      // Same names as shared/config.ts (originConfigSchema); the password comes from DATABASE_SECRET_ARN.
      environment: {
        APP_ENV: 'production',
        S3_ENDPOINT: `https://s3.${this.region}.amazonaws.com`,
        S3_REGION: this.region,
        S3_FORCE_PATH_STYLE: 'false',
        S3_BUCKET_RAW: this.storage.raw.bucketName,
        S3_BUCKET_DERIVATIVES: this.storage.derivatives.bucketName,
        DATABASE_HOST: this.data.proxy.endpoint,
        DATABASE_NAME: this.data.databaseName,
        DATABASE_WS_PROXY: this.relay?.wsProxy ?? '',
        DATABASE_WS_SECURE: 'true',
        RETENTION_DAYS: String(c.retentionDays),
      },
    });
    this.edgeAccess = new EdgeAccess(this, 'EdgeAccess', {
      raw: this.storage.raw,
      derivatives: this.storage.derivatives,
      key: this.storage.key,
      secretName: `${c.prefix}/edge-s3-credentials`,
      accessKeySerial: c.edgeKeySerial,
    });
    this.observability = new Observability(this, 'Observability', {
      prefix: c.prefix,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      functions: {
        ingest: this.pipeline.ingest,
        complete: this.pipeline.complete,
        purge: this.pipeline.purge,
        sweeper: this.pipeline.sweeper,
      },
      database: this.data.database,
      ingestQueue: this.pipeline.queue,
      dbConnectionLimit: connectionBudget(c.dbInstanceSize, PROXY_MAX_CONNECTIONS_PERCENT).proxyLimit,
      mediaConvertQueueArn: this.pipeline.mediaConvertQueue.attrArn,
      ...(this.relay
        ? { relay: { loadBalancer: this.relay.loadBalancer, targetGroup: this.relay.targetGroup, desiredCount: this.relay.desiredCount } }
        : {}),
      ...(this.replication ? { replication: this.replication.rules } : {}),
      alarmEmail: c.alarmEmail,
      requireEmail: prod,
      monthlyBudgetUsd: c.monthlyBudgetUsd,
    });

    this.acknowledgeCdkInternals();
    this.outputs(c);
  }

  /** Constructs CDK adds on its own (eventBridgeEnabled uses a notifications custom resource). */
  private acknowledgeCdkInternals(): void {
    const handler = this.node.children.find((n) => n.node.id.startsWith('BucketNotificationsHandler'));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-internal deploy-time handler that turns on EventBridge delivery for the raw bucket; the managed policy only lets it write its own logs.',
      });
    }
  }

  /** The values the edge (wrangler.toml / wrangler secrets) needs; see docs/deploy.md. */
  private outputs(c: OriginConfig): void {
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('Region', this.region, 'S3_REGION');
    out('RawBucketName', this.storage.raw.bucketName, 'S3_BUCKET_RAW');
    out('DerivativesBucketName', this.storage.derivatives.bucketName, 'S3_BUCKET_DERIVATIVES');
    out('CdnDomainName', this.cdn.distribution.distributionDomainName, 'CDN_DOMAIN (CloudFront)');
    out('CdnKeyPairId', this.cdn.publicKey.publicKeyId, 'CDN_KEY_PAIR_ID for signed URLs');
    out('EdgeCredentialsSecretArn', this.edgeAccess.secret.secretArn, 'Secret with S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY');
    out('EdgeDatabaseSecretArn', this.data.roleSecrets.edge.secretArn, "Secret of the media_edge role: the Worker's DATABASE_URL");
    out('MigrationSecretArn', this.data.secret.secretArn, 'Master secret: migrations and role passwords only');
    out('DatabaseProxyEndpoint', this.data.proxy.endpoint, 'Host in DATABASE_URL');
    out('AlarmTopicArn', this.observability.topic.topicArn, 'Alarm and budget notifications');
    out('WebhookKeySecretArn', this.pipeline.webhookKeySecret.secretArn, 'Secret whose value is WEBHOOK_SECRET_KEY (Worker secret)');
    if (this.relay) {
      out('DbRelayWsProxy', this.relay.wsProxy, 'DATABASE_WS_PROXY');
      out('DbRelayKeySecretArn', this.relay.keySecret.secretArn, 'Secret whose value is DATABASE_RELAY_KEY (Worker secret)');
      out('DbRelayLoadBalancerDns', this.relay.loadBalancer.loadBalancerDnsName, `CNAME target for ${c.relay?.domainName}`);
    } else {
      out('DbRelayWsProxy', 'not-deployed', 'DB relay not deployed: pass -c relayCertificateArn=... -c relayDomain=...');
    }
  }
}
