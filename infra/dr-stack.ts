/**
 * The disaster-recovery side in a second region: the replica buckets that S3
 * replication fills from the origin stack, and the KMS keys (one per region,
 * KMS keys never leave theirs) that encrypt the replicas and RDS's replicated
 * automated backups. Deployed before the origin stack, which names these
 * resources by their deterministic names and aliases (drNames), so neither
 * stack needs a cross-region reference.
 */
import { Aws, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Names both stacks agree on. Bucket names carry the account id: they are global. */
export function drNames(prefix: string, drRegion: string) {
  const account = Aws.ACCOUNT_ID;
  return {
    rawReplicaBucket: `${prefix}-raw-replica-${account}`,
    derivativesReplicaBucket: `${prefix}-derivatives-replica-${account}`,
    mediaKeyAlias: `alias/${prefix}-dr-media`,
    backupKeyAlias: `alias/${prefix}-dr-db-backups`,
    aliasArn: (alias: string) => `arn:${Aws.PARTITION}:kms:${drRegion}:${account}:${alias}`,
  };
}

export interface DrStackProps extends StackProps {
  readonly prefix: string;
  readonly drRegion: string;
  /** Also hold a replica of derivatives (they can be rebuilt from originals, so off by default). */
  readonly replicateDerivatives: boolean;
  readonly tags: Record<string, string>;
}

export class DrStack extends Stack {
  readonly rawReplica: s3.Bucket;
  readonly derivativesReplica?: s3.Bucket;
  readonly mediaKey: kms.Key;
  readonly backupKey: kms.Key;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    for (const [k, v] of Object.entries(props.tags)) Tags.of(this).add(k, v);
    const names = drNames(props.prefix, props.drRegion);

    this.mediaKey = new kms.Key(this, 'MediaKey', {
      alias: names.mediaKeyAlias,
      description: 'Encrypts replicas of media originals (and derivatives) in the DR region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.backupKey = new kms.Key(this, 'BackupKey', {
      alias: names.backupKeyAlias,
      description: 'Encrypts RDS automated backups replicated into the DR region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logs = new s3.Bucket(this, 'Logs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const replica = (id: string, bucketName: string, logPrefix: string) =>
      new s3.Bucket(this, id, {
        bucketName,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.mediaKey,
        bucketKeyEnabled: true,
        // Replication needs versioning on both sides; deletes replicate as markers only.
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        serverAccessLogsBucket: logs,
        serverAccessLogsPrefix: logPrefix,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.rawReplica = replica('RawReplica', names.rawReplicaBucket, 's3/raw-replica/');
    if (props.replicateDerivatives)
      this.derivativesReplica = replica('DerivativesReplica', names.derivativesReplicaBucket, 's3/derivatives-replica/');
  }
}
