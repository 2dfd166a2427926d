/**
 * Cross-region replication of the media buckets into the DR stack's replica
 * buckets, with Replication Time Control (99.99 % of objects within 15
 * minutes, and the latency and failure metrics the alarms read). The
 * destination and its key are named, not referenced (dr-stack.ts, drNames):
 * the replica key is given by alias ARN, which S3 replication accepts, and the
 * role may use only a key of the DR region that carries that alias.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { arnRef } from './nag.js';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ReplicatedBucket {
  readonly source: s3.Bucket;
  readonly destinationBucketName: string;
  /** Rule id, also a dimension of the replication metrics. */
  readonly ruleId: string;
}

export interface ReplicationProps {
  readonly buckets: ReplicatedBucket[];
  /** Key that encrypts the source buckets. */
  readonly sourceKey: kms.IKey;
  readonly drRegion: string;
  /** `alias/...` of the replica key in the DR region. */
  readonly replicaKeyAlias: string;
}

export class Replication extends Construct {
  readonly role: iam.Role;
  /** The rules, for the replication alarms. */
  readonly rules: { sourceBucket: string; destinationBucket: string; ruleId: string }[];

  constructor(scope: Construct, id: string, props: ReplicationProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (props.drRegion === region) throw new Error(`Replication: the DR region must differ from the stack's (${region})`);
    const aliasArn = `arn:${Aws.PARTITION}:kms:${props.drRegion}:${Aws.ACCOUNT_ID}:${props.replicaKeyAlias}`;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'S3 replication of media buckets into the DR region',
    });
    const destArn = (b: ReplicatedBucket) => `arn:${Aws.PARTITION}:s3:::${b.destinationBucketName}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: props.buckets.map((b) => b.source.bucketArn),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: props.buckets.map((b) => b.source.arnForObjects('*')),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: props.buckets.map((b) => `${destArn(b)}/*`),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.sourceKey.keyArn],
        conditions: { StringLike: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [`arn:${Aws.PARTITION}:kms:${props.drRegion}:${Aws.ACCOUNT_ID}:key/*`],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': props.replicaKeyAlias },
          StringLike: { 'kms:ViaService': `s3.${props.drRegion}.amazonaws.com` },
        },
      }),
    );

    const v = Validations.of(this.role);
    for (const b of props.buckets) {
      v.acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnRef(b.source)}/*]`,
        reason: 'Replication reads every object version of the source bucket; the actions are the replication-only reads.',
      });
      v.acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b.destinationBucketName.replace(Aws.ACCOUNT_ID, '<AWS::AccountId>')}/*]`,
        reason: 'Replicas land under the same keys in the one named DR bucket; only the Replicate* actions are allowed.',
      });
    }
    v.acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${props.drRegion}:<AWS::AccountId>:key/*]`,
      reason:
        "The replica key lives in another region's stack; the grant is limited to the key carrying the DR alias (kms:ResourceAliases) and to use through S3 in that region.",
    });
    this.rules = props.buckets.map((b) => ({
      sourceBucket: b.source.bucketName,
      destinationBucket: b.destinationBucketName,
      ruleId: b.ruleId,
    }));
    for (const b of props.buckets) {
      const cfn = b.source.node.defaultChild as s3.CfnBucket;
      cfn.replicationConfiguration = {
        role: this.role.roleArn,
        rules: [
          {
            id: b.ruleId,
            status: 'Enabled',
            priority: 1,
            filter: { prefix: '' },
            deleteMarkerReplication: { status: 'Disabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: destArn(b),
              encryptionConfiguration: { replicaKmsKeyId: aliasArn },
              replicationTime: { status: 'Enabled', time: { minutes: 15 } },
              metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
            },
          },
        ],
      };
    }
  }
}
