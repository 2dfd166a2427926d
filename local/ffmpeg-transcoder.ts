/**
 * The local stand-in for MediaConvert. `submit()` returns a MediaConvert-like
 * job id at once; in the background (one or two jobs at a time) it streams
 * the original from S3 to a temp folder, probes it, runs ONE ffmpeg for the
 * whole profile, streams every output to the derivatives bucket and then
 * delivers the "MediaConvert Job State Change" event AWS would send (COMPLETE
 * with outputGroupDetails, or ERROR) to `onComplete`: the local stack passes
 * the same completion handler the Lambda runs.
 *
 * `close()` stops taking work, kills running ffmpeg processes by pid and
 * sends no event for them: like a vanished service, their jobs stay
 * `processing` until the sweeper deals with them.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { videoContentType } from '../shared/profiles/video.ts';
import { jobStateChangeEvent, type MediaConvertJobEvent } from '../origin/events/mediaconvert.ts';
import type { Logger, VideoJobRequest, VideoTranscoder } from '../origin/core/deps.ts';
import { describeError, OriginError } from '../origin/core/errors.ts';
import type { OriginStorage } from '../origin/core/storage.ts';
import { planVideo, transcodeWithFfmpeg } from '../origin/processing/video/ffmpeg.ts';
import { probeVideo } from '../origin/processing/video/ffprobe.ts';
import { outputGroupDetails } from './ffmpeg-job-event.ts';

export interface FfmpegTranscoderOptions {
  storage: OriginStorage;
  /** Receives every job's final event; the local stack passes the completion handler. */
  onComplete: (event: MediaConvertJobEvent) => Promise<unknown>;
  /** Jobs run at once. @default 1 */
  concurrency?: number;
  /** Parent of the per-job temp folders. @default os.tmpdir() */
  tmpDir?: string;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
  ffmpeg?: string;
  ffprobe?: string;
  log?: Logger;
  region?: string;
  /** Attempts to deliver an event (EventBridge retries a failing target too). @default 3 */
  deliveryAttempts?: number;
}

/** MediaConvert job ids look like `1671476818694-phptj0`. */
const jobId = () => `${Date.now()}-${randomBytes(4).toString('hex').slice(0, 6)}`;

/** The numeric code a local ERROR event carries (MediaConvert's are numeric too). */
const LOCAL_ERROR_CODE = 1999;

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full, base)));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out.sort();
}

export class FfmpegTranscoder implements VideoTranscoder {
  private readonly queue: { id: string; req: VideoJobRequest }[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly pids = new Set<number>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly o: FfmpegTranscoderOptions) {}

  async submit(req: VideoJobRequest): Promise<{ externalId: string }> {
    if (this.closed) throw new OriginError('transcoder_closed', 'the local transcoder is closed');
    const id = jobId();
    this.queue.push({ id, req });
    this.pump();
    return { externalId: id };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops queued jobs, kills running ffmpeg processes, waits for their tasks to clean up. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await Promise.allSettled([...this.running]);
    for (const w of this.waiters.splice(0)) w();
  }

  private pump(): void {
    while (!this.closed && this.running.size < (this.o.concurrency ?? 1) && this.queue.length > 0) {
      const task = this.queue.shift()!;
      const p: Promise<void> = this.run(task.id, task.req)
        .catch((err) => this.o.log?.error('local transcode: unexpected failure', { jobId: task.id, error: describeError(err) }))
        .finally(() => {
          this.running.delete(p);
          this.pump();
          if (this.queue.length === 0 && this.running.size === 0) for (const w of this.waiters.splice(0)) w();
        });
      this.running.add(p);
    }
  }

  private async run(id: string, req: VideoJobRequest): Promise<void> {
    const dir = await mkdtemp(path.join(this.o.tmpDir ?? os.tmpdir(), 'transcode-'));
    const common = { jobId: id, userMetadata: { assetId: req.assetId, jobId: req.jobId }, region: this.o.region ?? 'us-east-1' };
    let event: MediaConvertJobEvent;
    try {
      const input = path.join(dir, 'original');
      await this.download(req, input);
      const probe = await probeVideo(input, this.o.ffprobe);
      const plan = planVideo(probe);
      const out = path.join(dir, 'out');
      let pid: number | undefined;
      if (this.closed) throw new OriginError('transcoder_closed', 'closed before transcoding');
      try {
        await transcodeWithFfmpeg(input, out, plan, {
          preset: this.o.preset ?? 'veryfast',
          fps: probe.fps,
          ...(this.o.ffmpeg ? { ffmpeg: this.o.ffmpeg } : {}),
          onSpawn: (p) => {
            this.pids.add((pid = p));
            if (this.closed) process.kill(p, 'SIGKILL');
          },
        });
      } finally {
        if (pid !== undefined) this.pids.delete(pid);
      }
      if (this.closed) throw new OriginError('transcoder_closed', 'closed while transcoding');
      const files = await walk(out);
      await this.upload(req, out, files);
      const groups = outputGroupDetails(`s3://${req.outputBucket}/${req.outputPrefix}`, plan, probe, files);
      event = jobStateChangeEvent({ ...common, status: 'COMPLETE', outputGroupDetails: groups });
    } catch (err) {
      if (this.closed) {
        this.o.log?.warn('local transcode stopped by close()', { jobId: id, assetId: req.assetId });
        return;
      }
      this.o.log?.warn('local transcode failed', { jobId: id, assetId: req.assetId, error: describeError(err) });
      event = jobStateChangeEvent({ ...common, status: 'ERROR', errorCode: LOCAL_ERROR_CODE, errorMessage: describeError(err) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await this.deliver(event);
  }

  private async download(req: VideoJobRequest, file: string): Promise<void> {
    const res = await this.o.storage.get(req.inputBucket, req.inputKey);
    if (!res) throw new OriginError('source_missing', `${req.inputBucket}/${req.inputKey} does not exist`);
    await pipeline(res.body, createWriteStream(file));
  }

  private async upload(req: VideoJobRequest, dir: string, files: string[]): Promise<void> {
    const next = [...files];
    const worker = async () => {
      for (let f = next.shift(); f !== undefined; f = next.shift()) {
        const full = path.join(dir, f);
        const { size } = await stat(full);
        await this.o.storage.put(req.outputBucket, `${req.outputPrefix}${f}`, createReadStream(full), { contentType: videoContentType(f), contentLength: size });
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, files.length) }, worker));
  }

  private async deliver(event: MediaConvertJobEvent): Promise<void> {
    const attempts = this.o.deliveryAttempts ?? 3;
    for (let i = 1; i <= attempts; i++) {
      try {
        await this.o.onComplete(event);
        return;
      } catch (err) {
        this.o.log?.warn('delivering the job event failed', { jobId: event.detail.jobId, attempt: i, error: describeError(err) });
        if (i < attempts && !this.closed) await new Promise((r) => setTimeout(r, 200 * 2 ** (i - 1)));
      }
    }
    this.o.log?.error('job event dropped after retries', { jobId: event.detail.jobId });
  }
}
