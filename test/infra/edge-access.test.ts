import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EdgeAccess } from '../../infra/constructs/edge-access.js';
import { Storage } from '../../infra/constructs/storage.js';
import { templateOf } from './helpers.js';

describe('EdgeAccess', () => {
  const t = templateOf((s) => {
    const storage = new Storage(s, 'Storage', { corsOrigins: ['https://app.example.com'] });
    new EdgeAccess(s, 'Edge', { raw: storage.raw, derivatives: storage.derivatives, key: storage.key, secretName: 'media-test/edge' });
  });

  it('creates a user whose access key lives in Secrets Manager', () => {
    t.resourceCountIs('AWS::IAM::User', 1);
    t.resourceCountIs('AWS::IAM::AccessKey', 1);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'media-test/edge' });
    t.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 1 });
  });

  it('replaces the key when the serial is bumped (the rotation runbook relies on it)', () => {
    const rotated = templateOf((s) => {
      const storage = new Storage(s, 'Storage', { corsOrigins: ['https://app.example.com'] });
      new EdgeAccess(s, 'Edge', {
        raw: storage.raw,
        derivatives: storage.derivatives,
        key: storage.key,
        secretName: 'media-test/edge',
        accessKeySerial: 2,
      });
    });
    rotated.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 2 });
  });

  it('grants exactly read on both buckets, a zero-key bucket probe, uploads on raw, subtitle files in derivatives and the key via S3', () => {
    const policies = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('Edge'))
      .map(([, p]) => p);
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as { Sid: string; Action: string | string[]; Resource: unknown }[];
    const actions = Object.fromEntries(statements.map((s) => [s.Sid, s.Action]));
    expect(actions).toEqual({
      ReadMedia: 's3:GetObject',
      CheckBuckets: 's3:ListBucket',
      UploadOriginals: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      WriteSubtitles: 's3:PutObject',
      UseMediaKey: ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
    const upload = statements.find((s) => s.Sid === 'UploadOriginals')!;
    expect(JSON.stringify(upload.Resource)).toMatch(/StorageRaw/);
    expect(JSON.stringify(upload.Resource)).not.toMatch(/StorageDerivatives/);
    // Derivatives are written only under an asset's hls/subs/ (edge/subtitles/).
    const subs = statements.find((s) => s.Sid === 'WriteSubtitles')!;
    expect(JSON.stringify(subs.Resource)).toMatch(/StorageDerivatives.*\/\*\/hls\/subs\/\*"/);
    // Listing is allowed only as the zero-key probe /healthz makes.
    const check = statements.find((s) => s.Sid === 'CheckBuckets') as unknown as { Condition: unknown; Resource: unknown };
    expect(check.Condition).toEqual({ NumericEquals: { 's3:max-keys': 0 } });
    expect(JSON.stringify(check.Resource)).toMatch(/StorageRaw.*StorageDerivatives|StorageDerivatives.*StorageRaw/);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'UseMediaKey', Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } } }),
        ]),
      },
    });
  });
});
