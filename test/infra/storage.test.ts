import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { READABLE_STORAGE_CLASSES, Storage } from '../../infra/constructs/storage.js';
import { templateOf, testStack } from './helpers.js';

const origins = ['https://app.example.com'];

describe('Storage', () => {
  const t = templateOf((s) => new Storage(s, 'Storage', { corsOrigins: origins }));

  it('creates raw, derivatives and a log bucket', () => {
    t.resourceCountIs('AWS::S3::Bucket', 3);
  });

  it('encrypts media with a rotating customer key and bucket keys', () => {
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      },
      2,
    );
  });

  it('sends raw events to EventBridge and allows presigned browser uploads', () => {
    // CDK turns EventBridge delivery on through its notifications custom resource.
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
            AllowedOrigins: origins,
            ExposedHeaders: ['ETag'],
          }),
        ],
      },
    });
  });

  it('tiers originals and keeps noncurrent versions for five years', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 1826 },
          }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] })]),
      },
    });
  });

  it('never moves an object to a class that needs a restore before a GET', () => {
    const classes = Object.values(t.findResources('AWS::S3::Bucket'))
      .flatMap(
        (b) =>
          (b.Properties.LifecycleConfiguration?.Rules ?? []) as {
            Transitions?: { StorageClass: string }[];
            NoncurrentVersionTransitions?: { StorageClass: string }[];
          }[],
      )
      .flatMap((r) => [...(r.Transitions ?? []), ...(r.NoncurrentVersionTransitions ?? [])].map((x) => x.StorageClass));
    expect(classes.length).toBeGreaterThan(0);
    for (const c of classes) expect(READABLE_STORAGE_CLASSES).toContain(c);
  });

  it('denies non-TLS access on every bucket', () => {
    t.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      },
      3,
    );
  });

  it('rejects bad retention, transitions and CORS origins', () => {
    const build = (props: Partial<ConstructorParameters<typeof Storage>[2]>) => () =>
      new Storage(testStack(), 'S', { corsOrigins: origins, ...props });
    expect(build({ retentionDays: 0 })).toThrow(/retentionDays/);
    expect(build({ retentionDays: 1.5 })).toThrow(/retentionDays/);
    expect(build({ rawTransitions: { infrequentAccessDays: 10 } })).toThrow(/>= 30/);
    expect(build({ rawTransitions: { glacierDays: 30 } })).toThrow(/must increase/);
    expect(build({ corsOrigins: ['*'] })).toThrow(/corsOrigins/);
    expect(build({ corsOrigins: [] })).toThrow(/corsOrigins/);
  });
});
