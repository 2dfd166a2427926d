/**
 * How reconciliation asks for an original's ingest again: by putting the
 * event S3 sent (or would have sent) for it back on the ingest queue. In AWS
 * that is SQS SendMessage to the ingest queue (the sweeper may send to it);
 * locally the dispatcher's Postgres queue. The ingest handler cannot tell a
 * re-queued event from the first one, and needs not: it is idempotent.
 */
import { randomUUID } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import type { ObjectCreatedEvent } from '../events/types.ts';

/** The object to ingest again, as a HEAD saw it. */
export interface RequeuedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string | undefined;
}

export interface IngestRequeue {
  /** Queues ingest of the object; false when the queue already holds it (nothing sent). */
  requeue(o: RequeuedObject): Promise<boolean>;
}

/** The EventBridge "Object Created" event for a re-queued object. */
export function requeuedObjectEvent(o: RequeuedObject, region: string, account = '000000000000'): ObjectCreatedEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${o.bucket}`],
    detail: {
      version: '0',
      bucket: { name: o.bucket },
      object: {
        key: o.key,
        size: o.size,
        etag: o.etag.replace(/"/g, ''),
        // No S3 write to order this event by; ingest does not read it.
        sequencer: '0',
        ...(o.versionId ? { 'version-id': o.versionId } : {}),
      },
      'request-id': randomUUID(),
      requester: account,
      reason: 'PutObject',
    },
  };
}

export interface SqsRequeueOptions {
  /** The ingest queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
  queueUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** SQS SendMessage over its JSON protocol, signed with SigV4 (no SDK in the bundle). */
export class SqsRequeue implements IngestRequeue {
  private readonly aws: AwsClient;
  private readonly endpoint: string;

  constructor(private readonly o: SqsRequeueOptions) {
    this.aws = new AwsClient({ ...o.credentials, service: 'sqs', region: o.region, retries: 2 });
    this.endpoint = `${new URL(o.queueUrl).origin}/`;
  }

  async requeue(obj: RequeuedObject): Promise<boolean> {
    const body = JSON.stringify({ QueueUrl: this.o.queueUrl, MessageBody: JSON.stringify(requeuedObjectEvent(obj, this.o.region)) });
    const res = await this.aws.fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body,
    });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 300);
      throw new Error(`SQS SendMessage answered ${res.status}: ${text}`);
    }
    await res.body?.cancel();
    return true;
  }
}
