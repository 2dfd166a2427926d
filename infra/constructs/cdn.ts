import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface CdnProps {
  /** Bucket served through Origin Access Control. Its KMS key gets a CloudFront decrypt grant. */
  readonly derivatives: s3.Bucket;
  /** Receives CloudFront standard logs (needs ACLs enabled and SSE-S3). */
  readonly logBucket: s3.IBucket;
  /** PEM (RSA 2048) of the public key that verifies signed URLs. */
  readonly publicKeyPem: string;
  /** Origins allowed by the CORS response headers policy. */
  readonly corsOrigins: string[];
  /** @default PRICE_CLASS_100 (North America and Europe edges) */
  readonly priceClass?: cloudfront.PriceClass;
  /** Default TTL of immutable derivatives and HLS segments. @default 30 days */
  readonly segmentTtl?: Duration;
  /** Default TTL of HLS playlists. @default 5 minutes */
  readonly manifestTtl?: Duration;
}

/**
 * CloudFront in front of the derivatives bucket. Every path requires a
 * CloudFront signed URL from the key group: the edge Worker authorises the
 * viewer with its own media token and signs its upstream request, so the
 * distribution never serves an object nobody authorised.
 */
export class Cdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly keyGroup: cloudfront.KeyGroup;
  readonly publicKey: cloudfront.PublicKey;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);
    const segmentTtl = props.segmentTtl ?? Duration.days(30);
    const manifestTtl = props.manifestTtl ?? Duration.minutes(5);
    if (!/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(props.publicKeyPem)) {
      throw new Error('Cdn: publicKeyPem must be a PEM "PUBLIC KEY" block');
    }
    if (manifestTtl.toSeconds() > segmentTtl.toSeconds()) {
      throw new Error('Cdn: manifestTtl must not exceed segmentTtl');
    }

    this.publicKey = new cloudfront.PublicKey(this, 'SigningKey', {
      encodedKey: props.publicKeyPem,
      comment: 'Verifies signed URLs minted by the edge Worker',
    });
    this.keyGroup = new cloudfront.KeyGroup(this, 'KeyGroup', { items: [this.publicKey] });

    // The signature parameters (Expires, Signature, Key-Pair-Id) are checked by
    // CloudFront before the cache and are left out of the cache key, so every
    // signed request for one object shares one cached copy.
    const cacheKey = {
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    };
    const segments = new cloudfront.CachePolicy(this, 'SegmentCache', {
      comment: 'Immutable derivatives and HLS segments',
      defaultTtl: segmentTtl,
      minTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      ...cacheKey,
    });
    const manifests = new cloudfront.CachePolicy(this, 'ManifestCache', {
      comment: 'HLS playlists',
      defaultTtl: manifestTtl,
      minTtl: Duration.seconds(0),
      maxTtl: Duration.hours(1),
      ...cacheKey,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'CORS for media players and nosniff',
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['Range', 'If-Range', 'If-None-Match', 'If-Modified-Since'],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowOrigins: props.corsOrigins,
        accessControlExposeHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
        accessControlMaxAge: Duration.hours(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    // withOriginAccessControl adds the bucket policy (scoped to this distribution)
    // and a key-policy statement for cloudfront.amazonaws.com on the bucket key.
    const origin = origins.S3BucketOrigin.withOriginAccessControl(props.derivatives);
    const behavior = (cachePolicy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      cachePolicy,
      responseHeadersPolicy: headers,
      trustedKeyGroups: [this.keyGroup],
      compress: true,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Media derivatives (signed URLs only)',
      defaultBehavior: behavior(segments),
      additionalBehaviors: { '*.m3u8': behavior(manifests) },
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
    });

    const key = props.derivatives.encryptionKey;
    if (key) {
      // The key policy cannot name the distribution: Key -> Bucket -> Distribution
      // would be a cycle. The bucket policy does name it, and S3 needs both.
      Annotations.of(key.node.scope ?? key).acknowledgeWarning(
        '@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac',
        'Key policy matches distribution/* in this account only; the bucket policy pins the exact distribution ARN, so no other distribution can read objects.',
      );
    }
    const d = this.distribution;
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Viewers are worldwide by design (DESIGN.md); access is gated per object by signed URLs, not by country.',
    });
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Every path requires a CloudFront signed URL minted by the edge Worker, which already rate-limits and authorises; WAF would add a fixed monthly cost with nothing left to filter.',
    });
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'Uses the default *.cloudfront.net certificate (TLS policy not selectable); the only intended client is the Cloudflare Worker, which negotiates TLS 1.2+.',
    });
  }
}
