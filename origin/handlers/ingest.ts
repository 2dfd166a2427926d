/**
 * The ingest Lambda: SQS messages carrying S3 "Object Created" EventBridge
 * events. Thin on purpose — decode each record, call `ingestObject`, report
 * the records to deliver again (partial batch response). The local dispatcher
 * calls the same `createIngestHandler` with the local stack's deps.
 */
import type { ObjectCreatedEvent, SqsBatchResponse, SqsHandler, SqsRecord } from '../events/types.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { ingestObject } from '../pipeline/ingest.ts';

export interface IngestHandlerOptions {
  /**
   * The queue's maxReceiveCount: on that delivery a transient failure also
   * fails the asset, since the message goes to the dead-letter queue next.
   * @default 5 (infra/constructs/pipeline.ts)
   */
  maxReceiveCount?: number;
}

export function createIngestHandler(deps: PipelineDeps, opts: IngestHandlerOptions = {}): SqsHandler {
  const maxReceiveCount = opts.maxReceiveCount ?? 5;
  return async (event): Promise<SqsBatchResponse> => {
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    // One at a time: sharp already uses every core, and memory is sized for one original.
    for (const record of event.Records) {
      const object = decode(record);
      if (!object) {
        // Retrying cannot make a malformed message readable: acknowledge it.
        deps.log.error('ingest: undecodable message, dropped', { messageId: record.messageId });
        continue;
      }
      try {
        await ingestObject(deps, {
          ...object,
          lastDelivery: Number(record.attributes?.ApproximateReceiveCount ?? 1) >= maxReceiveCount,
        });
      } catch (err) {
        deps.log.error('ingest: failed, will be retried', {
          messageId: record.messageId,
          key: object.key,
          error: err instanceof Error ? err.message : String(err),
          code: (err as { code?: unknown }).code,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

function decode(record: SqsRecord): { bucket: string; key: string; size?: number; etag: string; versionId?: string } | null {
  try {
    const event = JSON.parse(record.body) as Partial<ObjectCreatedEvent>;
    const bucket = event.detail?.bucket?.name;
    const o = event.detail?.object;
    if (event['detail-type'] !== 'Object Created' || typeof bucket !== 'string' || typeof o?.key !== 'string') return null;
    const versionId = o['version-id'];
    return {
      bucket,
      key: o.key,
      ...(Number.isSafeInteger(o.size) ? { size: o.size } : {}),
      etag: String(o.etag ?? ''),
      // Present when the bucket is versioned (the raw bucket is): ingest compares it with what it checked.
      ...(typeof versionId === 'string' && versionId !== '' ? { versionId } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The Lambda entry point. The runtime (config, database via Secrets Manager,
 * S3, MediaConvert) is built once per container by getRuntime(); it is
 * imported here only, so tests and the local stack use createIngestHandler
 * with their own deps and never load the AWS SDK.
 */
export const handler: SqsHandler = async (event) => {
  const { getRuntime } = await import('./runtime.ts');
  return createIngestHandler(await getRuntime())(event);
};
