import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_PUBLIC_KEY_PEM } from '../../infra/config.js';
import { Cdn, type CdnProps } from '../../infra/constructs/cdn.js';
import { Storage } from '../../infra/constructs/storage.js';
import { templateOf, testStack } from './helpers.js';

const corsOrigins = ['https://app.example.com'];

function build(stack: ReturnType<typeof testStack>, overrides: Partial<CdnProps> = {}): Cdn {
  const storage = new Storage(stack, 'Storage', { corsOrigins });
  return new Cdn(stack, 'Cdn', {
    derivatives: storage.derivatives,
    logBucket: storage.logs,
    publicKeyPem: PLACEHOLDER_PUBLIC_KEY_PEM,
    corsOrigins,
    ...overrides,
  });
}

describe('Cdn', () => {
  const t = templateOf((s) => build(s));

  it('serves derivatives through Origin Access Control with signed URLs only', () => {
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only', TrustedKeyGroups: [Match.anyValue()] }),
        CacheBehaviors: [Match.objectLike({ PathPattern: '*.m3u8', TrustedKeyGroups: [Match.anyValue()] })],
        Logging: Match.objectLike({ Bucket: Match.anyValue(), Prefix: 'cloudfront/' }),
      }),
    });
    t.resourceCountIs('AWS::CloudFront::PublicKey', 1);
    t.resourceCountIs('AWS::CloudFront::KeyGroup', 1);
  });

  it('lets only CloudFront decrypt, and only for distributions of this account', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 'kms:Decrypt',
            Condition: { ArnLike: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('caches segments long and playlists briefly, without query strings in the key', () => {
    t.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 30 * 86400,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({ QueryStringsConfig: { QueryStringBehavior: 'none' } }),
      }),
    });
    t.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ DefaultTTL: 300 }),
    });
  });

  it('adds CORS and nosniff response headers', () => {
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: corsOrigins },
          AccessControlExposeHeaders: { Items: Match.arrayWith(['ETag']) },
        }),
        SecurityHeadersConfig: Match.objectLike({ ContentTypeOptions: { Override: true } }),
      }),
    });
  });

  it('rejects a malformed key and inverted TTLs', () => {
    expect(() => build(testStack(), { publicKeyPem: 'not a key' })).toThrow(/PUBLIC KEY/);
    expect(() => build(testStack(), { manifestTtl: Duration.days(60) })).toThrow(/manifestTtl/);
  });
});
