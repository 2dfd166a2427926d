/**
 * cdk-nag 3 acknowledgements shared by several constructs. v3 has no prefix
 * matching: each IAM5 finding (`AwsSolutions-IAM5[Resource::...]`) must be
 * acknowledged by its exact id, so the ids are derived from the resources.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** The action wildcards each CDK bucket grant emits, with the reason they are acceptable. */
const GRANT_ACTIONS = {
  read: {
    's3:GetObject*': 'CDK grantRead: GetObject plus the version/tagging/attribute reads of the same objects; no write verbs.',
    's3:GetBucket*': 'CDK grantRead: bucket location and metadata reads the SDK needs; no write verbs.',
    's3:List*': 'CDK grantRead: list the one named bucket, so a missing key reads as 404 rather than 403.',
  },
  put: {
    's3:Abort*': 'CDK grantPut: abort its own multipart uploads in the named bucket only.',
    'kms:ReEncrypt*': 'CDK grantPut, limited to the one storage key: S3 re-encrypts under that same key.',
    'kms:GenerateDataKey*': 'CDK grantPut, limited to the one storage key: SSE-KMS needs a data key for each write.',
  },
  delete: {
    's3:DeleteObject*': 'CDK grantDelete: delete objects (and their tags) in the named bucket only; purge is the one deleter.',
  },
} as const;

export type BucketGrants = { readonly [K in keyof typeof GRANT_ACTIONS]?: s3.IBucket[] };

/** The `<LogicalId.Arn>` form cdk-nag uses when it prints a CloudFormation reference. */
export function arnRef(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}

/**
 * Acknowledges the wildcards of the bucket grants given to `principal`.
 * Object keys are `{prefix}/{assetId}/...` with ids minted at upload time, so
 * `bucket/*` is the narrowest resource a deploy-time policy can name.
 */
export function acknowledgeBucketGrants(principal: IConstruct, grants: BucketGrants): void {
  const v = Validations.of(principal);
  const buckets = new Set<s3.IBucket>();
  for (const kind of Object.keys(GRANT_ACTIONS) as (keyof typeof GRANT_ACTIONS)[]) {
    const granted = grants[kind] ?? [];
    if (granted.length === 0) continue;
    for (const [action, reason] of Object.entries(GRANT_ACTIONS[kind])) {
      v.acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
    }
    for (const b of granted) buckets.add(b);
  }
  for (const bucket of buckets) {
    v.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnRef(bucket)}/*]`,
      reason: `Object keys carry asset ids minted at upload time; the grant is limited to objects of ${bucket.node.id} only.`,
    });
  }
}
