import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding relay.mts and its Dockerfile. */
export const RELAY_SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'db-relay');

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
  /** CIDRs allowed to reach the HTTPS listener. @default ['0.0.0.0/0'] (Workers egress from many Cloudflare ranges) */
  readonly allowedCidrs?: string[];
  /** @default 1 */
  readonly desiredCount?: number;
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

  constructor(scope: Construct, id: string, props: DbRelayProps) {
    super(scope, id);
    const desiredCount = props.desiredCount ?? 1;
    if (!/^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/.test(props.domainName)) {
      throw new Error(`DbRelay: domainName must be a DNS name, got ${props.domainName}`);
    }
    if (!Number.isInteger(desiredCount) || desiredCount < 1) {
      throw new Error(`DbRelay: desiredCount must be a positive integer, got ${desiredCount}`);
    }
    this.wsProxy = `${props.domainName}/v1`;
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
      image: ecs.ContainerImage.fromAsset(RELAY_SOURCE_DIR, { platform: Platform.LINUX_ARM64 }),
      portMappings: [{ containerPort: 8080 }],
      environment: {
        PORT: '8080',
        TARGET_HOST: props.proxy.endpoint,
        TARGET_PORT: '5432',
        TARGET_TLS: 'true',
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
    const listener = this.loadBalancer.addListener('Https', {
      port: 443,
      open: false,
      certificates: [acm.Certificate.fromCertificateArn(this, 'Cert', props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
    for (const cidr of props.allowedCidrs ?? ['0.0.0.0/0']) {
      this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from the edge');
    }
    listener.addTargets('Relay', {
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: '/healthz', healthyHttpCodes: '200', interval: Duration.seconds(30) },
      deregistrationDelay: Duration.seconds(30),
    });

    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Cloudflare Workers open outbound connections from a large, changing set of addresses; the listener is HTTPS-only and Postgres SCRAM authentication gates every session. Narrow with allowedCidrs where possible.',
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only the non-secret proxy host name, port and TLS flag; the relay never sees credentials (the client authenticates end to end).',
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, added by CDK to the execution role, supports no resource-level permissions.',
    });
  }
}
