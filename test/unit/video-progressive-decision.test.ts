/**
 * Which originals get the progressive copy (origin/processing/video/progressive.ts):
 * browser codecs, 8-bit 4:2:0, a bounded bit rate — and never more pixels than
 * the ladder's top rung, since viewers (not only downloaders) are served it.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../origin/processing/video/ffprobe.ts';
import { isBrowserPlayable } from '../../origin/processing/video/progressive.ts';

const probe = (over: Partial<ProbeResult>): ProbeResult => ({
  durationSec: 30,
  width: 1920,
  height: 1080,
  videoCodec: 'h264',
  audioCodec: 'aac',
  fps: 30,
  pixFmt: 'yuv420p',
  bitRate: 16_000_000,
  ...over,
});

describe('the progressive copy decision', () => {
  it('takes 1080p H.264/VP9/AV1 in 8-bit 4:2:0, landscape or portrait', () => {
    expect(isBrowserPlayable(probe({}))).toBe(true);
    expect(isBrowserPlayable(probe({ width: 1080, height: 1920 }))).toBe(true);
    expect(isBrowserPlayable(probe({ videoCodec: 'vp9', audioCodec: 'opus' }))).toBe(true);
    expect(isBrowserPlayable(probe({ videoCodec: 'av1', bitRate: 0 }))).toBe(true);
  });

  it('refuses what the ladder would give viewers in fewer pixels (4K, 1440p)', () => {
    expect(isBrowserPlayable(probe({ width: 3840, height: 2160 }))).toBe(false);
    expect(isBrowserPlayable(probe({ width: 2160, height: 3840 }))).toBe(false);
    expect(isBrowserPlayable(probe({ width: 2560, height: 1440 }))).toBe(false);
  });

  it('refuses codecs and formats browsers do not play, and heavy or empty files', () => {
    expect(isBrowserPlayable(probe({ videoCodec: 'hevc' }))).toBe(false);
    expect(isBrowserPlayable(probe({ videoCodec: 'prores' }))).toBe(false);
    expect(isBrowserPlayable(probe({ pixFmt: 'yuv420p10le' }))).toBe(false);
    expect(isBrowserPlayable(probe({ pixFmt: 'yuv422p' }))).toBe(false);
    expect(isBrowserPlayable(probe({ bitRate: 40_000_000 }))).toBe(false);
    expect(isBrowserPlayable(probe({ durationSec: 0 }))).toBe(false);
  });
});
