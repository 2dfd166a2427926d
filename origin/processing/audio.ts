/**
 * Audio originals: ffprobe reads duration, codec and tags (title, artist,
 * album), ffmpeg draws `waveform.png` and encodes `preview.mp4` (AAC in a
 * fast-start MP4, which every browser's <audio> plays, whatever the
 * original's codec). Without ffmpeg (the Lambda has none) the file keeps
 * its type icon and the note says why; a file ffprobe cannot read as audio
 * is `corrupt`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { AUDIO_PREVIEW, AUDIO_TIMEOUT_MS, AUDIO_VARIANTS, MAX_AUDIO_SECONDS, WAVEFORM } from '../../shared/profiles/audio.ts';
import { OriginError } from '../core/errors.ts';
import { renderIcon } from './icons.ts';
import type { Rendition } from './image.ts';
import { toMetadata, type AssetMetadata } from './metadata.ts';
import { findTool, runTool } from './tools.ts';

export interface DerivedAudio {
  renditions: Rendition[];
  metadata: AssetMetadata;
  /** Why there is no waveform or player preview; absent when both were made. */
  note?: string;
}

export interface AudioTools {
  /** Paths; null = not available. Looked up on PATH when undefined. */
  ffmpeg?: string | null;
  ffprobe?: string | null;
  /**
   * Where the scratch folder goes. The pipeline passes the ingest's own temp
   * folder, so a killed run's leftovers are removed with it at the next start.
   * @default os.tmpdir()
   */
  scratchDir?: string;
}

export async function deriveAudio(file: string, tools: AudioTools = {}): Promise<DerivedAudio> {
  const ffprobe = tools.ffprobe === undefined ? await findTool('ffprobe') : tools.ffprobe;
  const ffmpeg = tools.ffmpeg === undefined ? await findTool('ffmpeg') : tools.ffmpeg;
  const iconOnly = async (note: string, metadata: AssetMetadata = {}): Promise<DerivedAudio> => ({
    renditions: [await renderIcon('audio')],
    metadata,
    note: `no_preview: ${note}`,
  });
  if (!ffprobe || !ffmpeg) return iconOnly('ffmpeg is not installed where this file was processed');
  const metadata = await probe(ffprobe, file);
  const duration = Number(metadata.durationSec ?? 0);
  if (duration > MAX_AUDIO_SECONDS) return iconOnly(`longer than ${MAX_AUDIO_SECONDS} s; not transcoded`, metadata);

  const dir = await mkdtemp(path.join(tools.scratchDir ?? os.tmpdir(), 'audio-'));
  try {
    const wave = path.join(dir, 'waveform.png');
    const preview = path.join(dir, 'preview.mp4');
    const filter = `aformat=channel_layouts=mono,showwavespic=s=${WAVEFORM.width}x${WAVEFORM.height}:colors=${WAVEFORM.colour}`;
    // One run, two outputs: the file is decoded once.
    const run = await runTool(
      ffmpeg,
      [
        // Local files only: a crafted input cannot make ffmpeg open URLs or other files (playlists, concat).
        ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file', '-i', file],
        ...['-filter_complex', `[0:a:0]${filter}[w]`, '-map', '[w]', '-frames:v', '1', '-y', wave],
        ...['-map', '0:a:0', '-vn', '-sn', '-dn', '-map_metadata', '-1', '-c:a', AUDIO_PREVIEW.codec],
        ...['-b:a', String(AUDIO_PREVIEW.bitrate), '-ar', String(AUDIO_PREVIEW.sampleRate), '-ac', String(AUDIO_PREVIEW.channels)],
        ...['-movflags', '+faststart', '-f', 'mp4', '-y', preview],
      ],
      { timeoutMs: AUDIO_TIMEOUT_MS },
    );
    if (run.code !== 0) {
      if (run.timedOut) return iconOnly('ffmpeg timed out', metadata);
      throw new OriginError('corrupt', `audio does not decode: ${run.stderr.trim().split('\n').slice(-1)[0] ?? ''}`.slice(0, 300));
    }
    const png = await sharp(wave).png({ compressionLevel: 9, palette: true }).toBuffer({ resolveWithObject: true });
    const mp4 = await readFile(preview);
    return {
      renditions: [
        { variant: AUDIO_VARIANTS.waveform, contentType: 'image/png', width: png.info.width, height: png.info.height, data: png.data },
        { variant: AUDIO_VARIANTS.preview, contentType: AUDIO_PREVIEW.contentType, width: 0, height: 0, data: mp4 },
      ],
      metadata,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ProbeJson {
  streams?: { codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; tags?: Record<string, string> }[];
  format?: { duration?: string; bit_rate?: string; format_name?: string; tags?: Record<string, string> };
}

/** Duration, codec and tags; a file without an audio stream is `corrupt`. */
export async function probe(ffprobe: string, file: string): Promise<AssetMetadata> {
  const args = ['-v', 'error', '-protocol_whitelist', 'file', '-print_format', 'json', '-show_format', '-show_streams', file];
  const run = await runTool(ffprobe, args, {
    timeoutMs: 60_000,
    maxOutput: 4 * 1024 * 1024,
  });
  let json: ProbeJson = {};
  try {
    json = run.code === 0 ? (JSON.parse(run.stdout) as ProbeJson) : {};
  } catch {
    // unreadable output: no stream found below
  }
  const audio = json.streams?.find((s) => s.codec_type === 'audio');
  if (!audio) throw new OriginError('corrupt', 'no audio stream found');
  // Tags sit on the container (MP3, MP4) or on the stream (Ogg, FLAC's Vorbis comments); keys vary in case.
  const tags = new Map<string, string>();
  for (const t of [audio.tags ?? {}, json.format?.tags ?? {}]) for (const [k, v] of Object.entries(t)) tags.set(k.toLowerCase(), v);
  const duration = Number(json.format?.duration);
  return toMetadata({
    format: json.format?.format_name?.split(',')[0],
    audioCodec: audio.codec_name,
    ...(Number.isFinite(duration) ? { durationSec: Math.round(duration * 1000) / 1000 } : {}),
    ...(audio.sample_rate ? { sampleRate: Number(audio.sample_rate) } : {}),
    ...(audio.channels ? { channels: audio.channels } : {}),
    ...(json.format?.bit_rate ? { bitrate: Number(json.format.bit_rate) } : {}),
    title: tags.get('title'),
    artist: tags.get('artist'),
    album: tags.get('album'),
  });
}
