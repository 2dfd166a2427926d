/** The shared video profile: ladder planning, names and their classification. */
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../origin/processing/video/hls-playlist.ts';
import { parseProbe } from '../../origin/processing/video/ffprobe.ts';
import {
  HLS,
  MASTER_PLAYLIST,
  VIDEO_LADDER,
  fitWithin,
  parseVideoFile,
  planLadder,
  posterCapture,
  posterSource,
  rungPlaylist,
  rungSegment,
  videoContentType,
} from '../../shared/profiles/video.ts';
import { isVariantPath } from '../../shared/storage/keys.ts';

const sizes = (src: { width: number; height: number }) => planLadder(src).map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('keeps every rung for a 1080p source', () => {
    expect(sizes({ width: 1920, height: 1080 })).toEqual(['360p 640x360', '540p 960x540', '720p 1280x720', '1080p 1920x1080']);
  });

  it('drops rungs above the source, never upscaling', () => {
    expect(sizes({ width: 1280, height: 720 })).toEqual(['360p 640x360', '540p 960x540', '720p 1280x720']);
    expect(sizes({ width: 1000, height: 560 })).toEqual(['360p 640x358', '540p 960x536']);
    expect(sizes({ width: 640, height: 360 })).toEqual(['360p 640x360']);
  });

  it('keeps the lowest rung at the source size for a tiny source', () => {
    expect(sizes({ width: 320, height: 240 })).toEqual(['360p 320x240']);
    expect(sizes({ width: 175, height: 99 })).toEqual(['360p 174x98']);
  });

  it('fits portrait and 4:3 sources inside each box with even sizes', () => {
    expect(sizes({ width: 1080, height: 1920 })).toEqual(['360p 202x360', '540p 302x540', '720p 404x720', '1080p 606x1080']);
    expect(sizes({ width: 1440, height: 1080 })).toEqual(['360p 480x360', '540p 720x540', '720p 960x720', '1080p 1440x1080']);
  });

  it('fitWithin never grows a side', () => {
    for (const [w, h] of [
      [100, 50],
      [4000, 3000],
      [1921, 1081],
      [333, 777],
    ] as const) {
      const f = fitWithin({ width: w, height: h }, 1280, 720);
      expect(f.width).toBeLessThanOrEqual(w);
      expect(f.height).toBeLessThanOrEqual(h);
      expect((f.width % 2) + (f.height % 2)).toBe(0);
    }
  });

  it('keeps segments a whole number of GOPs, within 4-6 s', () => {
    expect(HLS.segmentSeconds % HLS.gopSeconds).toBe(0);
    expect(HLS.segmentSeconds).toBeGreaterThanOrEqual(4);
    expect(HLS.segmentSeconds).toBeLessThanOrEqual(6);
    expect(VIDEO_LADDER.map((r) => r.videoBitrate)).toEqual([...VIDEO_LADDER.map((r) => r.videoBitrate)].sort((a, b) => a - b));
  });
});

describe('file names', () => {
  it('are valid variant paths and classify back to what they are', () => {
    const names = [
      MASTER_PLAYLIST,
      rungPlaylist('720p'),
      rungSegment('720p', 1),
      rungSegment('1080p', 123456),
      posterCapture(0),
      posterCapture(1),
      'preview.mp4',
    ];
    expect(names.slice(0, 4)).toEqual([
      'hls/master.m3u8',
      'hls/master_720p.m3u8',
      'hls/master_720p_00001.ts',
      'hls/master_1080p_123456.ts',
    ]);
    for (const n of names) expect(isVariantPath(n), n).toBe(true);
    expect(names.map(parseVideoFile)).toEqual([
      { type: 'master' },
      { type: 'playlist', rung: '720p' },
      { type: 'segment', rung: '720p', index: 1 },
      { type: 'segment', rung: '1080p', index: 123456 },
      { type: 'poster', capture: 0 },
      { type: 'poster', capture: 1 },
      { type: 'preview' },
    ]);
  });

  it('refuses anything else', () => {
    for (const n of ['hls/master_999p.m3u8', 'hls/../x.ts', 'w640.webp', 'poster.jpg', 'hls/master_720p_1.ts', 'original']) {
      expect(parseVideoFile(n), n).toBeNull();
    }
  });

  it('picks the last frame capture as the poster source', () => {
    expect(posterSource(['poster.0000001.jpg', 'poster.0000000.jpg', 'preview.mp4'])).toBe('poster.0000001.jpg');
    expect(posterSource(['poster.0000000.jpg'])).toBe('poster.0000000.jpg');
    expect(posterSource(['preview.mp4'])).toBeUndefined();
  });

  it('gives HLS, MP4 and JPEG their content types', () => {
    expect(['a.m3u8', 'a.ts', 'a.mp4', 'a.jpg', 'a.bin'].map(videoContentType)).toEqual([
      'application/vnd.apple.mpegurl',
      'video/mp2t',
      'video/mp4',
      'image/jpeg',
      'application/octet-stream',
    ]);
  });
});

describe('HLS playlists', () => {
  it('reads variants with quoted attribute lists and media segments', () => {
    const master = parseMasterPlaylist(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=985600,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"\nmaster_360p.m3u8\n\n',
    );
    expect(master).toEqual([{ uri: 'master_360p.m3u8', bandwidth: 985600, width: 640, height: 360, codecs: ['avc1.4d401e', 'mp4a.40.2'] }]);
    const media = parseMediaPlaylist(
      '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.000000,\na_00001.ts\n#EXTINF:1.5,\na_00002.ts\n#EXT-X-ENDLIST\n',
    );
    expect(media).toEqual({
      targetDurationSec: 6,
      ended: true,
      segments: [
        { uri: 'a_00001.ts', durationSec: 6 },
        { uri: 'a_00002.ts', durationSec: 1.5 },
      ],
    });
    expect(() => parseMasterPlaylist('<html>')).toThrow(TypeError);
  });
});

describe('parseProbe', () => {
  const stream = { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001' };

  it('applies rotation and pixel aspect ratio to get the display size', () => {
    expect(parseProbe({ streams: [{ ...stream, side_data_list: [{ rotation: -90 }] }], format: { duration: '3.5' } })).toMatchObject({
      width: 1080,
      height: 1920,
      durationSec: 3.5,
      audioCodec: null,
    });
    expect(parseProbe({ streams: [{ ...stream, width: 720, height: 576, sample_aspect_ratio: '64:45' }] })).toMatchObject({
      width: 1024,
      height: 576,
    });
    expect(parseProbe({ streams: [stream, { codec_type: 'audio', codec_name: 'aac' }] }).fps).toBeCloseTo(29.97, 2);
  });

  it('refuses a file without a video stream (cover art does not count)', () => {
    expect(() =>
      parseProbe({
        streams: [
          { codec_type: 'audio', codec_name: 'mp3' },
          { ...stream, disposition: { attached_pic: 1 } },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'no_video' }));
  });
});
