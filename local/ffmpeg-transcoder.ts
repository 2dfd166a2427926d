/**
 * The local stand-in for MediaConvert. `submit()` queues the job durably
 * (the local Postgres queue, pg-queue.ts) and returns a MediaConvert-like job
 * id at once; in the background (one or two jobs at a time) it streams the
 * original from S3 to the job's temp folder, probes it, runs ONE ffmpeg for
 * the profile in steps (ffmpeg-passes.ts: progressive copy, lowest rung,
 * the rest), uploads each step's files as soon as it ends (the master
 * playlist last) and delivers a COMPLETE event with `userMetadata.phase =
 * quick` after each early step, as MediaConvert's quick job would; then the
 * final "MediaConvert Job State Change" event (COMPLETE, phase `ladder`, or
 * ERROR) to `onComplete`: the local stack passes the same completion handler
 * the Lambda runs. The queued job is deleted only after its final event was
 * delivered.
 *
 * `close()` stops taking work, kills running ffmpeg processes by pid and
 * sends no event for them; a kill -9 does the same less politely. Either way
 * the job stays queued, and `start()` in the next process runs it again
 * (same job id, same output keys) after removing the dead run's temp folder.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { SqsBatchResponse, SqsEvent } from '../origin/events/types.ts';
import type { Database } from '../shared/db/database.ts';
import { MASTER_PLAYLIST, VIDEO_PHASE, videoContentType } from '../shared/profiles/video.ts';
import { jobStateChangeEvent, type MediaConvertJobEvent } from '../origin/events/mediaconvert.ts';
import type { Logger, VideoJobRequest, VideoTranscoder } from '../origin/core/deps.ts';
import { describeError, OriginError } from '../origin/core/errors.ts';
import type { OriginStorage } from '../origin/core/storage.ts';
import { planVideo, type VideoPlan } from '../origin/processing/video/ffmpeg.ts';
import { runVideoPasses } from '../origin/processing/video/ffmpeg-passes.ts';
import { probeVideo } from '../origin/processing/video/ffprobe.ts';
import { outputGroupDetails } from './ffmpeg-job-event.ts';
import { ensureQueueSchema, PgQueue } from './pg-queue.ts';
import { QueueConsumer } from './queue-consumer.ts';

export interface FfmpegTranscoderOptions {
  storage: OriginStorage;
  /** Holds the queue of jobs (schema local_queue, created by start()). */
  db: Database;
  /** The queue's name. @default 'transcode' */
  queue?: string;
  /** Receives every job's final event; the local stack passes the completion handler. */
  onComplete: (event: MediaConvertJobEvent) => Promise<unknown>;
  /** Jobs run at once. @default 1 */
  concurrency?: number;
  /**
   * Parent of the per-job temp folders. When given, start() removes the
   * `transcode-*` folders a dead process left in it. @default os.tmpdir()
   */
  tmpDir?: string;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
  ffmpeg?: string;
  ffprobe?: string;
  log?: Logger;
  region?: string;
  /** Attempts to deliver an event (EventBridge retries a failing target too). @default 3 */
  deliveryAttempts?: number;
  /** Runs of a job (a crash or an undelivered event counts one) before it is dead-lettered. @default 3 */
  maxReceiveCount?: number;
  /**
   * Awaited after the lowest rung was published and announced (the quick
   * phase), before the ladder pass starts. The browser tests hold an
   * asset's ladder here to watch it play from what the quick phase made.
   */
  beforeLadder?: (assetId: string) => Promise<void>;
}

interface QueuedJob {
  id: string;
  req: VideoJobRequest;
}

const TEMP_PREFIX = 'transcode-';

/** MediaConvert job ids look like `1671476818694-phptj0`. */
const jobId = () => `${Date.now()}-${randomBytes(4).toString('hex').slice(0, 6)}`;

/** The numeric code a local ERROR event carries (MediaConvert's are numeric too). */
const LOCAL_ERROR_CODE = 1999;

export class FfmpegTranscoder implements VideoTranscoder {
  readonly queue: PgQueue;
  private readonly consumer: QueueConsumer;
  private readonly pids = new Set<number>();
  private closed = false;

  constructor(private readonly o: FfmpegTranscoderOptions) {
    this.queue = new PgQueue(o.db, o.queue ?? 'transcode', o.maxReceiveCount ?? 3);
    this.consumer = new QueueConsumer(this.queue, {
      handler: (event) => this.handle(event),
      batchSize: 1,
      concurrency: o.concurrency ?? 1,
      visibilityMs: 60_000,
      // A transcode may take long; the heartbeat keeps it ours while this process lives.
      maxVisibilityMs: 6 * 60 * 60_000,
      retryDelayMs: 2_000,
      ...(o.region ? { region: o.region } : {}),
      log: (line) => o.log?.warn(line),
    });
  }

  /**
   * Creates the queue table if needed, removes temp folders of jobs a dead
   * process was running, gives their jobs back to the queue and starts working.
   */
  async start(): Promise<this> {
    await ensureQueueSchema(this.o.db);
    if (this.o.tmpDir) {
      const stale = (await readdir(this.o.tmpDir).catch(() => [] as string[])).filter((f) => f.startsWith(TEMP_PREFIX));
      for (const f of stale) await rm(path.join(this.o.tmpDir, f), { recursive: true, force: true });
      if (stale.length) this.o.log?.info('local transcode: removed temp folders of dead jobs', { folders: stale.length });
    }
    const released = await this.queue.releaseOrphans();
    if (released) this.o.log?.warn('local transcode: jobs of a previous run resumed', { jobs: released });
    this.consumer.kick();
    return this;
  }

  async submit(req: VideoJobRequest): Promise<{ externalId: string }> {
    if (this.closed) throw new OriginError('transcoder_closed', 'the local transcoder is closed');
    const id = jobId();
    await this.queue.send(JSON.stringify({ id, req } satisfies QueuedJob));
    this.consumer.kick();
    return { externalId: id };
  }

  /** Resolves when nothing is queued or running. */
  async idle(pollMs = 50): Promise<void> {
    while (this.consumer.busy || (await this.queue.live()) > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  /** Stops taking work, kills running ffmpeg processes, waits for their tasks to clean up; their jobs stay queued. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.consumer.close();
  }

  /** One queued job per batch; a failure leaves it to be run again. */
  private async handle(event: SqsEvent): Promise<SqsBatchResponse> {
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let job: QueuedJob;
      try {
        job = JSON.parse(record.body) as QueuedJob;
      } catch {
        this.o.log?.error('local transcode: unreadable queued job dropped', { messageId: record.messageId });
        continue;
      }
      const done = await this.run(job.id, job.req).catch((err: unknown) => {
        this.o.log?.error('local transcode: unexpected failure', { jobId: job.id, error: describeError(err) });
        return false;
      });
      if (!done) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  }

  /** True when the job's event was delivered; false when it must run again (stopped, or the event could not be delivered). */
  private async run(id: string, req: VideoJobRequest): Promise<boolean> {
    // Named by job, so the next start knows what a dead run left behind.
    const dir = path.join(this.o.tmpDir ?? os.tmpdir(), `${TEMP_PREFIX}${id}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const common = { jobId: id, userMetadata: { assetId: req.assetId, jobId: req.jobId }, region: this.o.region ?? 'us-east-1' };
    let event: MediaConvertJobEvent;
    try {
      const input = path.join(dir, 'original');
      await this.download(req, input);
      const probe = await probeVideo(input, this.o.ffprobe);
      const out = path.join(dir, 'out');
      await mkdir(out, { recursive: true });
      const pids: number[] = [];
      if (this.closed) throw new OriginError('transcoder_closed', 'closed before transcoding');
      const uploaded: string[] = [];
      let plan: VideoPlan | undefined;
      try {
        plan = await runVideoPasses(
          input,
          out,
          probe,
          {
            preset: this.o.preset ?? 'veryfast',
            fps: probe.fps,
            ...(this.o.ffmpeg ? { ffmpeg: this.o.ffmpeg } : {}),
            ...(this.o.log ? { log: this.o.log } : {}),
            onSpawn: (p) => {
              this.pids.add(p);
              pids.push(p);
              if (this.closed) process.kill(p, 'SIGKILL');
            },
          },
          async (step) => {
            if (this.closed) throw new OriginError('transcoder_closed', 'closed while transcoding');
            await this.upload(req, out, step.files);
            uploaded.push(...step.files);
            if (step.last) return;
            // What is playable already, announced as MediaConvert's quick job would be.
            const groups = outputGroupDetails(`s3://${req.outputBucket}/${req.outputPrefix}`, planVideo(probe), probe, uploaded);
            const quick = jobStateChangeEvent({
              ...common,
              userMetadata: { ...common.userMetadata, phase: VIDEO_PHASE.quick },
              status: 'COMPLETE',
              outputGroupDetails: groups,
            });
            // Not delivered is not fatal: the final event records everything.
            await this.deliver(quick);
            if (step.name === 'first-rung') await this.o.beforeLadder?.(req.assetId);
          },
        );
      } finally {
        for (const p of pids) this.pids.delete(p);
      }
      if (this.closed) throw new OriginError('transcoder_closed', 'closed while transcoding');
      const groups = outputGroupDetails(`s3://${req.outputBucket}/${req.outputPrefix}`, plan, probe, uploaded);
      event = jobStateChangeEvent({
        ...common,
        userMetadata: { ...common.userMetadata, phase: VIDEO_PHASE.ladder },
        status: 'COMPLETE',
        outputGroupDetails: groups,
      });
    } catch (err) {
      if (this.closed) {
        this.o.log?.warn('local transcode stopped by close()', { jobId: id, assetId: req.assetId });
        return false;
      }
      this.o.log?.warn('local transcode failed', { jobId: id, assetId: req.assetId, error: describeError(err) });
      event = jobStateChangeEvent({ ...common, status: 'ERROR', errorCode: LOCAL_ERROR_CODE, errorMessage: describeError(err) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return this.deliver(event);
  }

  private async download(req: VideoJobRequest, file: string): Promise<void> {
    const res = await this.o.storage.get(req.inputBucket, req.inputKey);
    if (!res) throw new OriginError('source_missing', `${req.inputBucket}/${req.inputKey} does not exist`);
    await pipeline(res.body, createWriteStream(file));
  }

  /** Uploads in parallel, the master playlist after everything else (it must never name a missing rung). */
  private async upload(req: VideoJobRequest, dir: string, files: string[]): Promise<void> {
    const put = async (f: string) => {
      const full = path.join(dir, f);
      const { size } = await stat(full);
      await this.o.storage.put(req.outputBucket, `${req.outputPrefix}${f}`, createReadStream(full), {
        contentType: videoContentType(f),
        contentLength: size,
      });
    };
    const next = files.filter((f) => f !== MASTER_PLAYLIST);
    const worker = async () => {
      for (let f = next.shift(); f !== undefined; f = next.shift()) await put(f);
    };
    await Promise.all(Array.from({ length: Math.min(4, next.length) }, worker));
    if (files.includes(MASTER_PLAYLIST)) await put(MASTER_PLAYLIST);
  }

  private async deliver(event: MediaConvertJobEvent): Promise<boolean> {
    const attempts = this.o.deliveryAttempts ?? 3;
    for (let i = 1; i <= attempts; i++) {
      try {
        await this.o.onComplete(event);
        return true;
      } catch (err) {
        this.o.log?.warn('delivering the job event failed', { jobId: event.detail.jobId, attempt: i, error: describeError(err) });
        if (i < attempts && !this.closed) await new Promise((r) => setTimeout(r, 200 * 2 ** (i - 1)));
      }
    }
    this.o.log?.error('job event not delivered; the job will run again', { jobId: event.detail.jobId });
    return false;
  }
}
