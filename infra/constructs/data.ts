import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Share of the instance's max_connections the proxy may use (the connection budget in docs/deploy.md). */
export const PROXY_MAX_CONNECTIONS_PERCENT = 80;

/** Characters kept out of generated passwords: they would need escaping in a URL or a SQL literal. */
const EXCLUDED_PASSWORD_CHARACTERS = ` %+~\`#$&*()|[]{}:;<>?!'/@"\\`;

export interface DataProps {
  /** Standby in a second AZ. @default false */
  readonly multiAz?: boolean;
  /** Burstable Graviton size (db.t4g.<size>); the connection budget in infra/capacity.ts depends on it. @default micro */
  readonly instanceSize?: 'micro' | 'small' | 'medium' | 'large';
  /** Days of automated backups (RDS allows 1-35). */
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  /** @default false */
  readonly performanceInsights?: boolean;
  /** @default 20 */
  readonly allocatedStorageGiB?: number;
  /** Destination of VPC flow logs. */
  readonly flowLogBucket: s3.IBucket;
  /** @default 'media' */
  readonly databaseName?: string;
  /** Physical-name prefix (`media-prod`): proxy, secrets. Two environments in one account must differ. */
  readonly prefix: string;
  /** Replicate automated backups (with point-in-time restore) into this region, encrypted by the key with this alias ARN. */
  readonly backupReplication?: { readonly region: string; readonly kmsKeyAliasArn: string; readonly retentionDays: number };
  /** Days between automatic rotations of the master secret (used only by migrations). @default 30 */
  readonly masterRotationDays?: number;
}

/** The login roles of shared/db/migrations/0005_least_privilege_roles.sql, by who uses them. */
export const DB_ROLES = { edge: 'media_edge', pipeline: 'media_pipeline', purge: 'media_purge' } as const;
export type DbRoleName = keyof typeof DB_ROLES;

/**
 * The network and Postgres. Postgres and its RDS Proxy sit in isolated
 * subnets (no route to the internet); the only way in is the proxy's security
 * group, which the DB relay (see db-relay.ts) is allowed through. Public
 * subnets hold the relay's load balancer and tasks. There is no NAT gateway:
 * nothing in the VPC needs to call out except the relay pulling its image.
 */
export class Data extends Construct {
  readonly vpc: ec2.Vpc;
  readonly database: rds.DatabaseInstance;
  readonly proxy: rds.DatabaseProxy;
  /** The master user's secret: migrations only. */
  readonly secret: secretsmanager.ISecret;
  /** One secret per least-privilege role (`<prefix>/db/<role>`), registered with the proxy. */
  readonly roleSecrets: Record<DbRoleName, rds.DatabaseSecret>;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const backupDays = props.backupRetentionDays;
    if (!Number.isInteger(backupDays) || backupDays < 1 || backupDays > 35) {
      throw new Error(`Data: backupRetentionDays must be an integer in [1, 35], got ${backupDays}`);
    }
    const storage = props.allocatedStorageGiB ?? 20;
    if (!Number.isInteger(storage) || storage < 20) {
      throw new Error(`Data: allocatedStorageGiB must be an integer >= 20, got ${storage}`);
    }
    this.databaseName = props.databaseName ?? 'media';

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Free: keeps S3 traffic (ECR image layers, any in-VPC S3 reads) off the internet path.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        s3: {
          destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });

    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.database = new rds.DatabaseInstance(this, 'Postgres', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: new ec2.InstanceType(`t4g.${props.instanceSize ?? 'micro'}`),
      vpc: this.vpc,
      vpcSubnets: isolated,
      multiAz: props.multiAz ?? false,
      databaseName: this.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('media_admin', { secretName: `${props.prefix}/db/master` }),
      storageEncrypted: true,
      allocatedStorage: storage,
      maxAllocatedStorage: storage * 5,
      storageType: rds.StorageType.GP3,
      backupRetention: Duration.days(backupDays),
      deletionProtection: props.deletionProtection,
      removalPolicy: props.deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      enablePerformanceInsights: props.performanceInsights ?? false,
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
      parameters: {
        'rds.force_ssl': '1',
        log_min_duration_statement: '1000',
        // JIT off: the access-policy subplans push a broad full-text search's
        // estimated cost past jit_above_cost, and PostgreSQL then spent
        // 770-900 ms compiling a 30-40 ms query (docs/benchmarks.md, library).
        // Short OLTP queries never repay JIT compilation.
        jit: '0',
      },
    });
    this.secret = this.database.secret!;
    if (props.backupReplication) {
      // Cross-region automated backups: snapshots and transaction logs copied
      // to the DR region, restorable to any second of the retention there.
      const cfn = this.database.node.defaultChild as rds.CfnDBInstance;
      cfn.automaticBackupReplicationRegion = props.backupReplication.region;
      cfn.automaticBackupReplicationKmsKeyId = props.backupReplication.kmsKeyAliasArn;
      cfn.automaticBackupReplicationRetentionPeriod = props.backupReplication.retentionDays;
    }

    // Passwords without characters that need escaping in a connection string or SQL literal.
    const makeSecret = (role: DbRoleName) => {
      const secret = new rds.DatabaseSecret(this, `${role[0]!.toUpperCase()}${role.slice(1)}Secret`, {
        username: DB_ROLES[role],
        secretName: `${props.prefix}/db/${role}`,
        excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS,
      });
      secret.attach(this.database);
      return secret;
    };
    this.roleSecrets = { edge: makeSecret('edge'), pipeline: makeSecret('pipeline'), purge: makeSecret('purge') };

    this.proxy = this.database.addProxy('Proxy', {
      dbProxyName: `${props.prefix}-proxy`,
      vpc: this.vpc,
      vpcSubnets: isolated,
      secrets: [this.secret, ...Object.values(this.roleSecrets)],
      requireTLS: true,
      // The relay and the Worker authenticate with the password over SCRAM (see docs/deploy.md).
      iamAuth: false,
      clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
      idleClientTimeout: Duration.minutes(30),
      maxConnectionsPercent: PROXY_MAX_CONNECTIONS_PERCENT,
    });

    // The master secret is read only by the migration step, so it can rotate
    // on a schedule. The hosted rotation function runs in the isolated
    // subnets and reaches Secrets Manager through an interface endpoint.
    const endpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: isolated,
      privateDnsEnabled: true,
    });
    Validations.of(endpoint).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'CDK opens the interface endpoint to the VPC CIDR only (HTTPS); nothing outside the VPC can reach it.',
    });
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(props.masterRotationDays ?? 30),
      vpcSubnets: isolated,
      endpoint,
      excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS,
    });

    this.acknowledge(props);
  }

  private acknowledge(props: DataProps): void {
    const db = Validations.of(this.database);
    if (!props.multiAz) {
      db.acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ by configuration for this environment (seed scale); prod sets multiAz=true.',
      });
    }
    if (!props.deletionProtection) {
      db.acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Non-production environment: deletion protection off so a dev stack can be torn down; prod enables it.',
      });
    }
    db.acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'Default port kept: the instance is in isolated subnets reachable only from the RDS Proxy security group, so an unusual port hides nothing.',
    });
    for (const secret of Object.values(this.roleSecrets)) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The Worker (a Wrangler secret) and warm Lambdas hold copies of this role password, so a scheduled rotation would cut them off; rotation is an on-demand runbook that updates both (docs/deploy.md, "Rotate a role password"). The master secret rotates automatically.',
      });
    }
  }
}
