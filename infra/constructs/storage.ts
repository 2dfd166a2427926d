import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Days after creation at which originals move to colder storage classes.
 * Both classes stay readable with a plain GET (milliseconds), so downloads,
 * the sweeper's transcode resubmit and MediaConvert keep working on old
 * originals. There is deliberately no Glacier Flexible / Deep Archive step:
 * those need a RestoreObject and hours before any read, which nothing in the
 * platform performs (docs/deploy.md, "Storage classes", has the cost).
 */
export interface RawTransitions {
  /** STANDARD_IA; S3 requires at least 30. @default 30 */
  readonly infrequentAccessDays?: number;
  /** GLACIER_IR (Glacier Instant Retrieval: originals stay directly readable). @default 90 */
  readonly glacierDays?: number;
}

/** Storage classes an original may be in: all readable without a restore. */
export const READABLE_STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'GLACIER_IR'] as const;

export interface StorageProps {
  /** Browser origins allowed by CORS for presigned uploads and reads. Must be explicit (no `*`). */
  readonly corsOrigins: string[];
  /** Days a noncurrent version of an original is kept before it expires. @default 1826 (5 years) */
  readonly retentionDays?: number;
  readonly rawTransitions?: RawTransitions;
  /** Days before access logs expire. @default 365 */
  readonly logRetentionDays?: number;
  /** RETAIN in prod; DESTROY only makes sense for throwaway test stacks. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The two media buckets (`raw` originals, versioned; `derivatives`), their
 * customer-managed KMS key and the bucket that receives S3, CloudFront and
 * ALB access logs.
 */
export class Storage extends Construct {
  readonly key: kms.Key;
  readonly raw: s3.Bucket;
  readonly derivatives: s3.Bucket;
  /** SSE-S3 with ACLs enabled: CloudFront standard logs and ALB logs support neither SSE-KMS nor ACL-less buckets. */
  readonly logs: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 1826;
    const t = {
      ia: props.rawTransitions?.infrequentAccessDays ?? 30,
      glacier: props.rawTransitions?.glacierDays ?? 90,
    };
    validate(props, retentionDays, t);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts media originals and derivatives',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.logs = new s3.Bucket(this, 'Logs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays ?? 365) }],
      removalPolicy,
    });

    const common = {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket instead of one KMS call per object: CloudFront reads would otherwise pay per request.
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.logs,
      removalPolicy,
    } satisfies s3.BucketProps;

    this.raw = new s3.Bucket(this, 'Raw', {
      ...common,
      serverAccessLogsPrefix: 's3/raw/',
      eventBridgeEnabled: true,
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: props.corsOrigins,
          allowedHeaders: ['*'],
          // Uppy's multipart upload reads each part's ETag to complete the upload.
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'originals-tiering',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(t.ia) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(t.glacier) },
          ],
          noncurrentVersionExpiration: Duration.days(retentionDays),
          expiredObjectDeleteMarker: true,
        },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    this.derivatives = new s3.Bucket(this, 'Derivatives', {
      ...common,
      serverAccessLogsPrefix: 's3/derivatives/',
      cors: [
        {
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: props.corsOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'derivatives-tiering',
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
          // Derivatives can be regenerated from originals; old versions only cost money.
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}

function validate(props: StorageProps, retentionDays: number, t: { ia: number; glacier: number }): void {
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36_500) {
    throw new Error(`Storage: retentionDays must be an integer in [1, 36500], got ${retentionDays}`);
  }
  if (!Number.isInteger(t.ia) || t.ia < 30) {
    throw new Error(`Storage: infrequentAccessDays must be an integer >= 30 (S3 minimum), got ${t.ia}`);
  }
  if (!(t.ia < t.glacier)) {
    throw new Error(`Storage: transitions must increase (IA ${t.ia} < Glacier IR ${t.glacier})`);
  }
  if (props.corsOrigins.length === 0 || props.corsOrigins.some((o) => o === '*' || !/^https?:\/\//.test(o))) {
    throw new Error(`Storage: corsOrigins must be explicit http(s) origins, got ${JSON.stringify(props.corsOrigins)}`);
  }
}
