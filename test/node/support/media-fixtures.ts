/**
 * Originals made by the tools a phone's files are made with: heif-enc
 * (Debian libheif-examples) for HEIC, exiftool for camera tags and GPS,
 * ffmpeg for audio, sharp for AVIF, TIFF and animated GIF/WebP. Each writes
 * into a temporary folder and returns the bytes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { addRotation } from './heif-boxes.ts';

const run = promisify(execFile);

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fixture-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Left half red, right half blue: which way it was turned shows in the pixels. */
export function twoColours(width: number, height: number) {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#ff0000' } }).composite([
    { input: { create: { width: width - half, height, channels: 3, background: '#0000ff' } }, left: half, top: 0 },
  ]);
}

export interface HeicOptions {
  width?: number;
  height?: number;
  /** irot quarter turns anticlockwise (an iPhone portrait photo: 3, i.e. 90° clockwise). */
  irot?: 1 | 2 | 3;
  /** EXIF Orientation written too (iPhones write one; a HEIF reader must not apply it on top of irot). */
  exifOrientation?: number;
}

/** A HEVC HEIC with camera tags and GPS in its EXIF, encoded by heif-enc from a JPEG that carries them. */
export async function heic(opts: HeicOptions = {}): Promise<Buffer> {
  const { width = 600, height = 400 } = opts;
  return inTemp(async (dir) => {
    const jpg = path.join(dir, 'in.jpg');
    const out = path.join(dir, 'out.heic');
    await twoColours(width, height).jpeg({ quality: 90 }).toFile(jpg);
    await run('exiftool', [
      '-q',
      '-overwrite_original',
      '-Make=Apple',
      '-Model=iPhone 15',
      '-DateTimeOriginal=2025:07:14 09:30:15',
      '-GPSLatitude=40.748817',
      '-GPSLatitudeRef=N',
      '-GPSLongitude=73.985428',
      '-GPSLongitudeRef=W',
      ...(opts.exifOrientation ? [`-Orientation#=${opts.exifOrientation}`] : []),
      jpg,
    ]);
    await run('heif-enc', ['-q', '60', '-o', out, jpg]);
    const bytes = await readFile(out);
    return opts.irot ? addRotation(bytes, opts.irot) : bytes;
  });
}

/** A tone with title and artist tags, in the container/codec `ext` names (mp3, m4a, wav, flac, ogg). */
export async function audioFile(ext: 'mp3' | 'm4a' | 'wav' | 'flac' | 'ogg', seconds = 2): Promise<Buffer> {
  return inTemp(async (dir) => {
    const out = path.join(dir, `tone.${ext}`);
    const codec = { mp3: 'libmp3lame', m4a: 'aac', wav: 'pcm_s16le', flac: 'flac', ogg: 'libvorbis' }[ext];
    await run('ffmpeg', [
      ...['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ac', '2'],
      ...['-c:a', codec, '-metadata', 'title=Test Tone', '-metadata', 'artist=The Testers', '-y', out],
    ]);
    return readFile(out);
  });
}

/** An animated GIF: `frames` frames, each a different colour. */
export async function animatedGif(width = 200, height = 120, frames = 4): Promise<Buffer> {
  const strip = Buffer.alloc(width * height * frames * 3);
  for (let f = 0; f < frames; f++) {
    const colour = [(f * 80) % 256, 255 - ((f * 60) % 256), (f * 140) % 256];
    for (let i = 0; i < width * height; i++) strip.set(colour, (f * width * height + i) * 3);
  }
  return sharp(strip, { raw: { width, height: height * frames, channels: 3, pageHeight: height } as never })
    .gif({ delay: Array(frames).fill(100), loop: 0 })
    .toBuffer();
}

/** A BMP (which sharp's libvips does not decode), written by ffmpeg. */
export async function bmp(width = 64, height = 48): Promise<Buffer> {
  return inTemp(async (dir) => {
    const png = path.join(dir, 'in.png');
    const out = path.join(dir, 'out.bmp');
    await writeFile(png, await twoColours(width, height).png().toBuffer());
    await run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-i', png, '-y', out]);
    return readFile(out);
  });
}

/** A test-pattern clip with a tone, in MP4: H.264 (browsers play it as is) or HEVC tagged hvc1 (a phone's). */
export async function videoClip(codec: 'h264' | 'hevc', seconds = 4, width = 960, height = 540): Promise<Buffer> {
  return inTemp(async (dir) => {
    const out = path.join(dir, 'clip.mp4');
    const video =
      codec === 'hevc'
        ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1']
        : ['-c:v', 'libx264', '-preset', 'ultrafast'];
    await run('ffmpeg', [
      ...['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=24:duration=${seconds}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-pix_fmt', 'yuv420p', ...video, '-c:a', 'aac', '-shortest'],
      ...['-movflags', '+faststart', '-y', out],
    ]);
    return readFile(out);
  });
}
