import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { Data } from '../../infra/constructs/data.js';
import { DbRelay, type DbRelayProps } from '../../infra/constructs/db-relay.js';
import { templateOf, testStack } from './helpers.js';

function build(
  stack: ReturnType<typeof testStack>,
  { loginUser = 'media_edge', ...overrides }: Partial<Omit<DbRelayProps, 'login'>> & { loginUser?: string } = {},
): DbRelay {
  const logBucket = new s3.Bucket(stack, 'Logs');
  const data = new Data(stack, 'Data', {
    backupRetentionDays: 7,
    deletionProtection: false,
    flowLogBucket: logBucket,
    prefix: 'media-test',
  });
  return new DbRelay(stack, 'Relay', {
    vpc: data.vpc,
    proxy: data.proxy,
    certificateArn: 'arn:aws:acm:eu-central-1:111111111111:certificate/abc',
    domainName: 'db-relay.example.com',
    accessLogBucket: logBucket,
    logRetention: logs.RetentionDays.ONE_MONTH,
    prefix: 'media-test',
    login: { secret: data.roleSecrets.edge, user: loginUser, database: data.databaseName },
    ...overrides,
  });
}

describe('DbRelay', () => {
  let relay: DbRelay | undefined;
  const t = templateOf((s) => {
    relay = build(s);
  });

  it('exposes the driver wsProxy value', () => {
    expect(relay?.wsProxy).toBe('db-relay.example.com/v1');
  });

  it('terminates HTTPS only, with access logs', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: Match.stringLikeRegexp('^arn:aws:acm:') }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
  });

  it('runs an arm64 Fargate task pointed at the RDS Proxy with TLS', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'TARGET_HOST', Value: Match.anyValue() },
            { Name: 'TARGET_TLS', Value: 'true' },
          ]),
          ReadonlyRootFilesystem: true,
        }),
      ],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: Match.anyValue(),
      Description: 'DB relay to RDS Proxy',
    });
  });

  it('injects the caller-proof key from Secrets Manager and trusts only the ALB-appended source', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'media-test/db-relay-key',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Secrets: Match.arrayWith([{ Name: 'RELAY_KEY', ValueFrom: Match.anyValue() }]),
          Environment: Match.arrayWith([
            { Name: 'MAX_SESSIONS', Value: '200' },
            { Name: 'TRUST_FORWARDED_FOR', Value: 'true' },
          ]),
        }),
      ],
    });
  });

  it("logs in as media_edge with the role's password from Secrets Manager, readable by the task's execution role only", () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'LOGIN_USER', Value: 'media_edge' },
            { Name: 'LOGIN_DATABASE', Value: Match.anyValue() },
          ]),
          Secrets: Match.arrayWith([
            {
              Name: 'LOGIN_PASSWORD',
              ValueFrom: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^DataEdgeSecret') }, ':password::']] },
            },
          ]),
        }),
      ],
    });
    const template = t.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const taskDef = Object.values(template.Resources).find((r) => r.Type === 'AWS::ECS::TaskDefinition')!;
    const execRole = (taskDef.Properties.ExecutionRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const readers = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).match(/"Ref":"DataEdgeSecret[^"]*"/))
      .flatMap((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    // Besides the RDS Proxy (which checks the role's logins), only the task's execution role reads it, not its task role.
    expect(readers.filter((r) => !r.startsWith('DataPostgresProxy'))).toEqual([execRole]);
  });

  it('answers 403 at the load balancer unless the request is a /v1 upgrade carrying a token', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) })],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: Match.arrayWith([
        Match.objectLike({ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1'] } }),
        Match.objectLike({ Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'token', Value: '*' }] } }),
      ]),
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    // Readiness: the task proves it can reach the RDS Proxy, not only that it runs.
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/readyz' });
  });

  it('opens the listener to the given CIDRs only, when given', () => {
    const open = t.findResources('AWS::EC2::SecurityGroup', {
      Properties: { SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 })]) },
    });
    expect(Object.keys(open)).toHaveLength(1);
    const narrowed = templateOf((s) => build(s, { allowedCidrs: ['173.245.48.0/20', '3.120.0.0/14'] }));
    const ingress = Object.values(narrowed.findResources('AWS::EC2::SecurityGroup'))
      .flatMap((r) => (r.Properties.SecurityGroupIngress ?? []) as { CidrIp?: string; FromPort: number }[])
      .filter((i) => i.FromPort === 443)
      .map((i) => i.CidrIp)
      // The Secrets Manager endpoint's own rule names the VPC CIDR (a token), not an outside address.
      .filter((c) => typeof c === 'string');
    expect(ingress.sort()).toEqual(['173.245.48.0/20', '3.120.0.0/14']);
    expect(() => build(testStack(), { allowedCidrs: ['everyone'] })).toThrow(/allowedCidrs/);
  });

  it('rejects a login role that is not a Postgres role name', () => {
    expect(() => templateOf((st) => build(st, { loginUser: 'Robert"; drop' }))).toThrow(/login.user/);
  });

  it('rejects a bad domain name and desired count', () => {
    expect(() => build(testStack(), { domainName: 'https://x' })).toThrow(/domainName/);
    expect(() => build(testStack(), { desiredCount: 0 })).toThrow(/desiredCount/);
  });
});
