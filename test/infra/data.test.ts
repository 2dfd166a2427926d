import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { Data, type DataProps } from '../../infra/constructs/data.js';
import { templateOf, testStack } from './helpers.js';

function build(stack: ReturnType<typeof testStack>, overrides: Partial<DataProps> = {}): Data {
  return new Data(stack, 'Data', {
    backupRetentionDays: 7,
    deletionProtection: false,
    flowLogBucket: new s3.Bucket(stack, 'Logs'),
    prefix: 'media-test',
    ...overrides,
  });
}

describe('Data', () => {
  const dev = templateOf((s) => build(s));
  const prod = templateOf((s) => build(s, { multiAz: true, backupRetentionDays: 30, deletionProtection: true }));

  it('builds a VPC with isolated data subnets, no NAT, and an S3 gateway endpoint', () => {
    dev.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    dev.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('runs encrypted single-AZ Postgres 16 on t4g.micro with 7-day backups in dev', () => {
    dev.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: Match.stringLikeRegexp('^16'),
      DBInstanceClass: 'db.t4g.micro',
      StorageEncrypted: true,
      MultiAZ: false,
      BackupRetentionPeriod: 7,
      DeletionProtection: false,
      PubliclyAccessible: false,
    });
  });

  it('turns on Multi-AZ, 30-day backups and deletion protection in prod', () => {
    prod.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true, BackupRetentionPeriod: 30, DeletionProtection: true });
    prod.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
  });

  it('keeps one secret per least-privilege role, all registered with the proxy; only the master rotates on a schedule', () => {
    dev.resourceCountIs('AWS::SecretsManager::Secret', 4);
    for (const [role, user] of [
      ['master', 'media_admin'],
      ['edge', 'media_edge'],
      ['pipeline', 'media_pipeline'],
      ['purge', 'media_purge'],
    ]) {
      dev.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `media-test/db/${role}`,
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: JSON.stringify({ username: user }) }),
      });
    }
    const proxy = Object.values(dev.findResources('AWS::RDS::DBProxy'))[0]!;
    expect(proxy.Properties.DBProxyName).toBe('media-test-proxy');
    expect(proxy.Properties.Auth).toHaveLength(4);
    dev.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    dev.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
    // The rotation function lives in the isolated subnets: it reaches Secrets Manager through an interface endpoint.
    dev.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });

  it('keeps credentials in Secrets Manager and fronts Postgres with a TLS-only RDS Proxy', () => {
    dev.hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      Auth: Match.arrayWith([Match.objectLike({ AuthScheme: 'SECRETS', ClientPasswordAuthType: 'POSTGRES_SCRAM_SHA_256' })]),
    });
  });

  it('turns JIT off in the Postgres parameter group (broad searches spent ~800 ms compiling)', () => {
    dev.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: Match.stringLikeRegexp('^postgres16'),
      Parameters: Match.objectLike({ jit: '0', 'rds.force_ssl': '1' }),
    });
  });

  it('rejects invalid backup retention and storage size', () => {
    expect(() => build(testStack(), { backupRetentionDays: 0 })).toThrow(/backupRetentionDays/);
    expect(() => build(testStack(), { backupRetentionDays: 36 })).toThrow(/backupRetentionDays/);
    expect(() => build(testStack(), { allocatedStorageGiB: 10 })).toThrow(/allocatedStorageGiB/);
  });
});
