/**
 * The AWS VideoTranscoder: submits the jobs built from the shared profile with
 * @aws-sdk/client-mediaconvert and returns MediaConvert's job id. Completion
 * arrives later as an EventBridge "MediaConvert Job State Change" event
 * (origin/handlers/mediaconvert-complete.ts).
 */
import { CreateJobCommand, MediaConvertClient, type CreateJobCommandInput } from '@aws-sdk/client-mediaconvert';
import { OriginError } from '../../core/errors.ts';
import type { VideoJobRequest, VideoTranscoder } from '../../core/deps.ts';
import { buildMediaConvertJobs, type MediaConvertJobOptions } from './mediaconvert-job.ts';

export interface MediaConvertTranscoderOptions extends MediaConvertJobOptions {
  region: string;
  /** The account's MediaConvert endpoint; the SDK's regional default when omitted. */
  endpoint?: string;
  /** Explicit credentials; the SDK's default chain (the Lambda role) when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call, including the first. @default 3 */
  maxAttempts?: number;
}

/** What the SDK's service exceptions carry; read by property, never by message. */
interface SdkError {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

export class MediaConvertTranscoder implements VideoTranscoder {
  readonly client: MediaConvertClient;

  constructor(private readonly opts: MediaConvertTranscoderOptions) {
    this.client = new MediaConvertClient({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      maxAttempts: opts.maxAttempts ?? 3,
    });
  }

  /**
   * Creates the quick, preview and ladder jobs in that order and returns the
   * ladder job's id: the job row follows the job whose event makes the asset
   * ready; the early phases' events are matched by userMetadata.
   */
  async submit(job: VideoJobRequest): Promise<{ externalId: string }> {
    const opts = {
      queueArn: this.opts.queueArn,
      roleArn: this.opts.roleArn,
      ...(this.opts.acceleration ? { acceleration: this.opts.acceleration } : {}),
    };
    let id: string | undefined;
    for (const phase of buildMediaConvertJobs(job, opts)) id = await this.create(phase.input);
    return { externalId: id! };
  }

  private async create(input: CreateJobCommandInput): Promise<string> {
    let id: string | undefined;
    try {
      const res = await this.client.send(new CreateJobCommand(input));
      id = res.Job?.Id;
    } catch (err) {
      const e = err as SdkError;
      const status = e.$metadata?.httpStatusCode;
      // 429 is a client fault in the model but worth retrying.
      const rejected = e.$fault === 'client' && status !== 429 && e.name !== 'TooManyRequestsException';
      throw new OriginError(
        rejected ? 'submit_rejected' : 'submit_failed',
        `MediaConvert CreateJob failed (${e.name ?? 'error'}${status ? `, HTTP ${status}` : ''})`,
        { cause: err },
      );
    }
    if (!id) throw new OriginError('submit_failed', 'MediaConvert CreateJob returned no job id');
    return id;
  }

  close(): void {
    this.client.destroy();
  }
}
