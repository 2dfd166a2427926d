/**
 * The event shapes the pipeline handlers receive, exactly as AWS delivers them:
 * an S3 "Object Created" EventBridge event, carried as the body of an SQS
 * message, delivered to Lambda in a batch. The local dispatcher builds the same
 * shapes, so one handler serves both.
 */

export interface ObjectCreatedDetail {
  version: '0';
  bucket: { name: string };
  object: { key: string; size: number; etag: string; sequencer: string; 'version-id'?: string };
  'request-id': string;
  requester: string;
  'source-ip-address'?: string;
  reason: 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';
}

export interface EventBridgeEvent<TType extends string, TDetail> {
  version: '0';
  id: string;
  'detail-type': TType;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

export type ObjectCreatedEvent = EventBridgeEvent<'Object Created', ObjectCreatedDetail>;

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    ApproximateFirstReceiveTimestamp: string;
    SenderId: string;
  };
  messageAttributes: Record<string, unknown>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** Lambda's partial batch response: the ids of the messages to deliver again. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export type SqsHandler = (event: SqsEvent) => Promise<SqsBatchResponse>;
