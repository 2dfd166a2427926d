import { SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { arnRef } from './nag.js';

export interface EdgeAccessProps {
  readonly raw: s3.IBucket;
  readonly derivatives: s3.IBucket;
  /** Key that encrypts both buckets. */
  readonly key: kms.IKey;
  /** Name of the Secrets Manager secret holding the access key. */
  readonly secretName: string;
  /** Bump to replace the access key (rotation runbook in docs/deploy.md). @default 1 */
  readonly accessKeySerial?: number;
}

/**
 * The IAM identity of the Cloudflare Worker. A Worker cannot assume a role,
 * so it signs with a long-lived access key of a user that can only: read both
 * media buckets, create (simple and multipart) uploads in `raw`, and write
 * subtitle files under `{assetId}/hls/subs/` in `derivatives`.
 */
export class EdgeAccess extends Construct {
  readonly user: iam.User;
  readonly policy: iam.Policy;
  /** JSON `{ accessKeyId, secretAccessKey }`; copy into Wrangler secrets. */
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: EdgeAccessProps) {
    super(scope, id);
    this.user = new iam.User(this, 'User');
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadMedia',
          actions: ['s3:GetObject'],
          resources: [props.raw.arnForObjects('*'), props.derivatives.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          // GET /healthz proves each bucket is reachable with a zero-key
          // ListObjectsV2; the condition allows that and no real listing.
          sid: 'CheckBuckets',
          actions: ['s3:ListBucket'],
          resources: [props.raw.bucketArn, props.derivatives.bucketArn],
          conditions: { NumericEquals: { 's3:max-keys': 0 } },
        }),
        new iam.PolicyStatement({
          sid: 'UploadOriginals',
          // PutObject also authorises CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
          actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [props.raw.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          // Subtitles are validated and converted by the edge (edge/subtitles/), and written
          // only under hls/subs/ of an asset's derivatives; nothing else in that bucket.
          sid: 'WriteSubtitles',
          actions: ['s3:PutObject'],
          resources: [props.derivatives.arnForObjects('*/hls/subs/*')],
        }),
        new iam.PolicyStatement({
          sid: 'UseMediaKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${props.raw.stack.region}.amazonaws.com` } },
        }),
      ],
    });
    this.policy.attachToUser(this.user);

    // IAM keys never expire on their own; a new serial makes CloudFormation create a new key and delete the old one.
    const accessKey = new iam.AccessKey(this, 'AccessKey', { user: this.user, serial: props.accessKeySerial ?? 1 });
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'S3 credentials of the edge Worker (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)',
      secretObjectValue: {
        accessKeyId: SecretValue.unsafePlainText(accessKey.accessKeyId),
        secretAccessKey: accessKey.secretAccessKey,
      },
    });

    for (const bucket of [props.raw, props.derivatives]) {
      Validations.of(this.policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnRef(bucket)}/*]`,
        reason: `Object keys embed asset ids minted per upload; the Worker's access is limited to objects of ${bucket.node.id}, and the Worker itself checks per-asset access before signing.`,
      });
    }
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnRef(props.derivatives)}/*/hls/subs/*]`,
      reason: 'Subtitle files of any asset (keys embed asset ids); the Worker checks the edit permission on the asset before writing.',
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'IAM access keys cannot be rotated by a Secrets Manager rotation without also updating the Worker secret; rotation is a documented two-key runbook (docs/deploy.md).',
    });
  }
}
