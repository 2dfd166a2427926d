/**
 * The local transcode in steps, each published before the next starts, so a
 * player has something to play seconds after upload:
 *
 *  1. `progressive` (browser-playable originals only): a stream copy into a
 *     fast-start `progressive.mp4` and, beside it, the poster captures.
 *  2. `first-rung`: the lowest HLS rung and `hls/master.m3u8` naming only it
 *     (plus the poster when step 1 did not run).
 *  3. `ladder`: every higher rung, the preview clip and the storyboard in
 *     one decode; `hls/master.m3u8` is rewritten to name every rung.
 *
 * A step's files are handed to `publish` in upload order: the master last,
 * so a player never finds a rung in it before the rung is stored.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HLS, MASTER_PLAYLIST, VIDEO_STORYBOARD, parseVideoFile, planStoryboard } from '../../../shared/profiles/video.ts';
import type { Logger } from '../../core/deps.ts';
import { describeError, isOriginError } from '../../core/errors.ts';
import { planVideo, transcodeWithFfmpeg, type RunFfmpegOptions, type VideoPlan } from './ffmpeg.ts';
import type { ProbeResult } from './ffprobe.ts';
import { mergeMasterPlaylists } from './hls-master.ts';
import { isBrowserPlayable, remuxProgressive } from './progressive.ts';
import { buildStoryboardVtt } from './storyboard-vtt.ts';

export type StepName = 'progressive' | 'first-rung' | 'ladder';

export interface PublishedStep {
  name: StepName;
  /** Paths under the output folder to upload in this order (the master, when it changed, last). */
  files: string[];
  /** The final step: every output of the profile now exists. */
  last: boolean;
}

/** Every file under `dir`, relative, `/`-separated, sorted. */
export async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full, base)));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out.sort();
}

export interface PassesOptions extends RunFfmpegOptions {
  log?: Logger;
}

export async function runVideoPasses(
  input: string,
  outDir: string,
  probe: ProbeResult,
  opts: PassesOptions,
  publish: (step: PublishedStep) => Promise<void>,
): Promise<VideoPlan> {
  const plan = planVideo(probe);
  const published = new Set<string>();
  const masters: string[] = [];
  const hls = (name: string) => path.join(outDir, HLS.dir, name);

  const done = async (name: StepName, masterChanged: boolean, last = false) => {
    const fresh = (await walk(outDir)).filter((f) => parseVideoFile(f) !== null && f !== MASTER_PLAYLIST && !published.has(f));
    const files = masterChanged ? [...fresh, MASTER_PLAYLIST] : fresh;
    await publish({ name, files, last });
    for (const f of files) published.add(f);
  };
  const addMaster = async (passMaster: string) => {
    masters.push(await readFile(hls(passMaster), 'utf8'));
    await writeFile(hls(`${HLS.baseName}.m3u8`), mergeMasterPlaylists(masters));
  };

  let posterDone = false;
  if (isBrowserPlayable(probe)) {
    try {
      await Promise.all([
        remuxProgressive(input, outDir, probe, opts),
        transcodeWithFfmpeg(input, outDir, plan, opts, { rungs: [], masterName: '', poster: true, preview: false, storyboard: null }),
      ]);
      posterDone = true;
      await done('progressive', false);
    } catch (err) {
      if (!isOriginError(err, 'transcode_failed')) throw err;
      // A stream the MP4 muxer refuses: go on with the lowest rung first.
      opts.log?.warn('progressive copy failed; lowest rung first', { error: describeError(err) });
      for (const f of await walk(outDir)) if (!published.has(f)) await rm(path.join(outDir, f), { force: true });
    }
  }

  const [first, ...upper] = plan.rungs;
  const firstOut = { rungs: [first!], masterName: 'pass-first.m3u8', poster: !posterDone, preview: false, storyboard: null };
  await transcodeWithFfmpeg(input, outDir, plan, opts, firstOut);
  await addMaster(firstOut.masterName);
  await done('first-rung', true);

  const storyboard = probe.durationSec > 0 ? planStoryboard(probe.durationSec, probe) : null;
  await transcodeWithFfmpeg(input, outDir, plan, opts, {
    rungs: upper,
    masterName: 'pass-upper.m3u8',
    poster: false,
    preview: true,
    storyboard,
  });
  if (upper.length > 0) await addMaster('pass-upper.m3u8');
  if (storyboard) {
    await writeFile(path.join(outDir, VIDEO_STORYBOARD.track), buildStoryboardVtt(storyboard, probe.durationSec));
  }
  await done('ladder', upper.length > 0, true);
  return plan;
}
