import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bundleRelay, RELAY_SOURCE_DIR } from './db-relay-image.js';

export { RELAY_SOURCE_DIR };

export interface DbRelayProps {
  readonly vpc: ec2.IVpc;
  /** The relay always dials this proxy, whatever address the client asks for. */
  readonly proxy: rds.DatabaseProxy;
  /** ACM certificate (same region) covering `domainName`. */
  readonly certificateArn: string;
  /** Public name of the relay, CNAMEd to the load balancer, e.g. `db-relay.example.com`. */
  readonly domainName: string;
  readonly accessLogBucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  /**
   * CIDRs allowed to reach the HTTPS listener. @default ['0.0.0.0/0']
   * Narrowing is possible only partly: Workers egress from Cloudflare's
   * ranges, but the pipeline Lambdas (outside the VPC) come from the region's
   * AWS ranges, so a list must hold both (docs/deploy.md).
   */
  readonly allowedCidrs?: string[];
  /** @default 1 */
  readonly desiredCount?: number;
  /** Physical-name prefix (`media-prod`): the relay key's secret is `<prefix>/db-relay-key`. */
  readonly prefix: string;
  /**
   * The one role the relay logs in as itself (option (c) of issue #19): the
   * Worker names it, sends no password and pipelines its start-up; the
   * relay reads the role's password from this secret (its `password` field)
   * and answers SCRAM in-region. Other roles (the pipeline's) still
   * authenticate themselves through the relay.
   */
  readonly login: { readonly secret: secretsmanager.ISecret; readonly user: string; readonly database: string };
  /** Sessions per task before upgrades get 503. @default 200 */
  readonly maxSessionsPerTask?: number;
}

/**
 * The explicit path from the Cloudflare Worker to Postgres: the Worker's
 * @neondatabase/serverless driver speaks WebSocket, RDS speaks TCP, so a small
 * Fargate service (ws -> TLS -> RDS Proxy) runs behind an HTTPS load balancer.
 */
export class DbRelay extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly service: ecs.FargateService;
  /** Value for the driver's `wsProxy` / DATABASE_WS_PROXY: `host/v1`. */
  readonly wsProxy: string;
  /** The caller-proof key (DATABASE_RELAY_KEY of the Worker, read by the Lambdas and injected into the relay). */
  readonly keySecret: secretsmanager.Secret;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly maxSessionsPerTask: number;
  readonly desiredCount: number;

  constructor(scope: Construct, id: string, props: DbRelayProps) {
    super(scope, id);
    const desiredCount = props.desiredCount ?? 1;
    this.desiredCount = desiredCount;
    this.maxSessionsPerTask = props.maxSessionsPerTask ?? 200;
    if (!/^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/.test(props.domainName)) {
      throw new Error(`DbRelay: domainName must be a DNS name, got ${props.domainName}`);
    }
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(props.login.user))
      throw new Error(`DbRelay: login.user must be a Postgres role name, got ${props.login.user}`);
    if (!Number.isInteger(desiredCount) || desiredCount < 1) {
      throw new Error(`DbRelay: desiredCount must be a positive integer, got ${desiredCount}`);
    }
    for (const cidr of props.allowedCidrs ?? []) {
      if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new Error(`DbRelay: allowedCidrs must be IPv4 CIDRs, got ${cidr}`);
    }
    this.wsProxy = `${props.domainName}/v1`;
    // 64 alphanumerics (~380 bits); relay-token.ts wants at least 43 characters.
    this.keySecret = new secretsmanager.Secret(this, 'Key', {
      secretName: `${props.prefix}/db-relay-key`,
      description: 'HMAC key of the DB relay caller proof (DATABASE_RELAY_KEY)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    const publicSubnets = { subnetType: ec2.SubnetType.PUBLIC };

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    task.addContainer('relay', {
      image: ecs.ContainerImage.fromAsset(bundleRelay(), { platform: Platform.LINUX_ARM64 }),
      portMappings: [{ containerPort: 8080 }],
      environment: {
        PORT: '8080',
        TARGET_HOST: props.proxy.endpoint,
        TARGET_PORT: '5432',
        TARGET_TLS: 'true',
        MAX_SESSIONS: String(this.maxSessionsPerTask),
        // Behind the ALB: the source of the per-source rate limit is the address the ALB appends.
        TRUST_FORWARDED_FOR: 'true',
        LOGIN_USER: props.login.user,
        LOGIN_DATABASE: props.login.database,
      },
      secrets: {
        RELAY_KEY: ecs.Secret.fromSecretsManager(this.keySecret),
        // Read by the execution role at task start (CDK grants it): a rotation needs a new deployment of the tasks.
        LOGIN_PASSWORD: ecs.Secret.fromSecretsManager(props.login.secret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'relay', logGroup }),
      readonlyRootFilesystem: true,
    });

    // Public subnets with a public IP (ingress only from the ALB) instead of a
    // NAT gateway: the task needs outbound access only to pull its image.
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount,
      assignPublicIp: true,
      vpcSubnets: publicSubnets,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });
    props.proxy.connections.allowFrom(this.service, ec2.Port.tcp(5432), 'DB relay to RDS Proxy');

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      vpcSubnets: publicSubnets,
      internetFacing: true,
      dropInvalidHeaderFields: true,
      // Idle Postgres sessions in a pool should survive a few minutes of quiet.
      idleTimeout: Duration.minutes(5),
    });
    this.loadBalancer.logAccessLogs(props.accessLogBucket, 'alb/db-relay');
    // Default: 403 at the load balancer. Only `/v1` upgrades that carry a
    // token parameter reach a task (which then verifies it); scans and bare
    // requests never cost the relay anything.
    const listener = this.loadBalancer.addListener('Https', {
      port: 443,
      open: false,
      certificates: [acm.Certificate.fromCertificateArn(this, 'Cert', props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'forbidden' }),
    });
    const allowed = props.allowedCidrs ?? ['0.0.0.0/0'];
    for (const cidr of allowed) {
      this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the edge');
    }
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      // Readiness: the task can negotiate TLS with the RDS Proxy, not merely run.
      healthCheck: { path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(30), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(30),
    });
    listener.addAction('Relay', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/v1']), elbv2.ListenerCondition.queryStrings([{ key: 'token', value: '*' }])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });

    if (allowed.includes('0.0.0.0/0')) {
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          "Workers egress from Cloudflare ranges Cloudflare does not promise for Workers, and the pipeline Lambdas from the region's AWS ranges. The listener forwards only /v1 with a token; each task verifies a single-use HMAC token before dialing Postgres and rate-limits per source. Narrow with relayAllowedCidrs where possible.",
      });
    }
    Validations.of(this.keySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The Worker holds a copy as a Wrangler secret, so an automatic rotation would break it; rotation is a documented runbook (docs/deploy.md, "Rotate the relay key").',
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "The environment holds only non-secret settings (proxy host, port, TLS flag, limits, the login role's name); the relay key and the login role's password come from Secrets Manager (container secrets); other clients authenticate to Postgres with SCRAM through the relay, which never sees their passwords.",
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, added by CDK to the execution role, supports no resource-level permissions.',
    });
  }
}
