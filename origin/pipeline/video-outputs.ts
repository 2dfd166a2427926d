/**
 * What a finished transcode left in the derivatives bucket, as derivative
 * rows (one per stored file) and the video facts for `assets.metadata`.
 * The files are listed, not taken from the event, so MediaConvert and the
 * ffmpeg stand-in are recorded the same way; sizes come from the listing,
 * rendition sizes and codecs from the multivariant playlist, preview and
 * poster sizes from the event (falling back to the profile's box).
 */
import {
  MASTER_PLAYLIST,
  VIDEO_POSTER,
  VIDEO_PREVIEW,
  parseVideoFile,
  posterSource,
  videoContentType,
} from '../../shared/profiles/video.ts';
import { parseMasterPlaylist, parseMediaPlaylist, type HlsVariant } from '../processing/video/hls-playlist.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { OriginError } from '../core/errors.ts';
import type { VideoJobEvent } from './video-event.ts';

export interface DerivativeRow {
  kind: string;
  key: string;
  contentType: string;
  width: number | null;
  height: number | null;
  size: number;
}

export interface VideoFacts {
  durationSec: number;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  renditions: { name: string; width: number | null; height: number | null; bandwidth: number }[];
}

async function readText(deps: PipelineDeps, key: string): Promise<string> {
  const text = await deps.storage.getText(deps.buckets.derivatives, key);
  if (text === null) throw new OriginError('outputs_missing', `${key} is missing from the derivatives bucket`);
  return text;
}

const rungOf = (uri: string) => /_([0-9a-z]+)\.m3u8$/.exec(uri)?.[1] ?? uri;

/**
 * `partial` (a quick-phase event): the master may be missing (only the
 * progressive copy exists yet) and no facts are derived. Either way, rung
 * files are recorded only for rungs the stored master names.
 */
export async function collectVideoOutputs(
  deps: PipelineDeps,
  ev: VideoJobEvent,
  opts: { partial?: boolean } = {},
): Promise<{ rows: DerivativeRow[]; facts: VideoFacts | null }> {
  const prefix = `${ev.assetId}/`;
  const stored = new Map<string, number>();
  for await (const o of deps.storage.list(deps.buckets.derivatives, prefix)) {
    const p = o.key.slice(prefix.length);
    if (parseVideoFile(p)) stored.set(p, o.size);
  }
  const hasMaster = stored.has(MASTER_PLAYLIST);
  if (!hasMaster && !opts.partial) {
    throw new OriginError('outputs_missing', `job ${ev.externalId} reported COMPLETE but ${prefix}${MASTER_PLAYLIST} is missing`);
  }
  const variants = hasMaster ? parseMasterPlaylist(await readText(deps, `${prefix}${MASTER_PLAYLIST}`)) : [];
  if (hasMaster && variants.length === 0) throw new OriginError('outputs_missing', `${prefix}${MASTER_PLAYLIST} names no renditions`);
  const byRung = new Map<string, HlsVariant>(variants.map((v) => [rungOf(v.uri), v]));
  for (const p of stored.keys()) {
    const f = parseVideoFile(p)!;
    if ((f.type === 'playlist' || f.type === 'segment') && !byRung.has(f.rung)) stored.delete(p);
    if (f.type === 'master' && variants.length === 0) stored.delete(p);
  }
  const fromEvent = (p: string) => ev.outputs.get(p);
  const lastCapture = posterSource([...stored.keys()]);
  const posterSize = (lastCapture && fromEvent(lastCapture)) || { width: VIDEO_POSTER.maxWidth, height: VIDEO_POSTER.maxHeight };

  // MediaConvert numbers frame captures; every derivative is served from
  // `{assetId}/{kind}`, so the chosen capture is copied (server-side) to poster.jpg.
  if (lastCapture) {
    await deps.storage.copy(
      { bucket: deps.buckets.derivatives, key: `${prefix}${lastCapture}` },
      { bucket: deps.buckets.derivatives, key: `${prefix}${VIDEO_POSTER.kind}` },
      { contentType: 'image/jpeg' },
    );
  }

  const rows: DerivativeRow[] = [...stored].map(([p, size]) => {
    const f = parseVideoFile(p)!;
    let dims: { width?: number | null; height?: number | null } = {};
    if (f.type === 'playlist' || f.type === 'segment') dims = byRung.get(f.rung) ?? fromEvent(p) ?? {};
    else if (f.type === 'preview') dims = fromEvent(p) ?? { width: VIDEO_PREVIEW.maxWidth, height: VIDEO_PREVIEW.maxHeight };
    else if (f.type === 'progressive') dims = fromEvent(p) ?? {};
    else if (f.type === 'poster') dims = posterSize;
    return {
      kind: p,
      key: `${prefix}${p}`,
      contentType: videoContentType(p),
      width: dims.width ?? null,
      height: dims.height ?? null,
      size,
    };
  });

  if (lastCapture) {
    rows.push({
      kind: VIDEO_POSTER.kind,
      key: `${prefix}${VIDEO_POSTER.kind}`,
      contentType: 'image/jpeg',
      width: posterSize.width ?? null,
      height: posterSize.height ?? null,
      size: stored.get(lastCapture)!,
    });
  }

  if (opts.partial || variants.length === 0) return { rows, facts: null };
  const top = variants.reduce((a, b) => ((b.height ?? 0) > (a.height ?? 0) ? b : a));
  const topPath = `hls/${top.uri}`;
  if (parseVideoFile(topPath)?.type !== 'playlist')
    throw new OriginError('outputs_missing', `${prefix}${MASTER_PLAYLIST} names ${top.uri}, not a rung playlist`);
  const media = parseMediaPlaylist(await readText(deps, `${prefix}${topPath}`));
  const codecs = top.codecs;
  const facts: VideoFacts = {
    durationSec: Math.round(media.segments.reduce((s, x) => s + x.durationSec, 0) * 1000) / 1000,
    width: top.width,
    height: top.height,
    videoCodec: codecs.find((c) => /^(avc|hvc|hev)/.test(c)) ?? null,
    audioCodec: codecs.find((c) => c.startsWith('mp4a')) ?? null,
    renditions: variants.map((v) => ({ name: rungOf(v.uri), width: v.width, height: v.height, bandwidth: v.bandwidth })),
  };
  return { rows, facts };
}
