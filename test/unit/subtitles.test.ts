import { describe, expect, it } from 'vitest';
import { SUBTITLES } from '../../shared/profiles/subtitles.ts';
import { subtitlePlaylist, withSubtitleRenditions } from '../../edge/subtitles/subtitle-hls.ts';
import { parseSubtitles, SubtitleError, toWebVtt } from '../../edge/subtitles/subtitle-parse.ts';
import { canonicalLanguage } from '../../edge/subtitles/subtitles.service.ts';
import { parseMasterPlaylist } from '../../origin/processing/video/hls-playlist.ts';

const SRT = `1
00:00:01,000 --> 00:00:02,500
Hello <i>there</i>
<font color="#ff0000">red</font> & done

2
00:00:03,000 --> 00:00:04,000 X1:10 X2:20
{\\an8}Top line
`;

function refusal(input: string | Uint8Array): SubtitleError {
  try {
    parseSubtitles(input);
  } catch (err) {
    if (err instanceof SubtitleError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('subtitle parsing', () => {
  it('converts SRT to WebVTT: dot timings, the HLS timestamp map, SRT styling dropped, bare & escaped', () => {
    const parsed = parseSubtitles(SRT);
    expect(parsed.format).toBe('srt');
    expect(toWebVtt(parsed.cues)).toBe(
      [
        'WEBVTT',
        `X-TIMESTAMP-MAP=MPEGTS:${SUBTITLES.mpegTsOrigin},LOCAL:00:00:00.000`,
        '',
        '00:00:01.000 --> 00:00:02.500',
        'Hello <i>there</i>',
        'red &amp; done',
        '',
        '00:00:03.000 --> 00:00:04.000',
        'Top line',
        '',
      ].join('\n'),
    );
  });

  it('reads WebVTT with a BOM, CRLF, header, NOTE/STYLE blocks, ids, cue tags and settings; drops unknown settings', () => {
    const vtt =
      '\uFEFFWEBVTT - title\r\nKind: captions\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\nNOTE a note\r\n\r\nintro\r\n01:02.000 --> 01:03.000 align:start line:90% evil:1 region:r\r\n<v.loud Ann>Hi</v> <c.yellow>x</c> <00:01:02.500>a &lt; b &amp; c\r\n';
    const parsed = parseSubtitles(vtt);
    expect(parsed.format).toBe('vtt');
    expect(parsed.cues).toEqual([
      {
        startMs: 62_000,
        endMs: 63_000,
        settings: 'align:start line:90%',
        text: '<v.loud Ann>Hi</v> <c.yellow>x</c> <00:01:02.500>a &lt; b &amp; c',
      },
    ]);
  });

  it('sorts cues by start and escapes a bare < or >', () => {
    const parsed = parseSubtitles('WEBVTT\n\n00:00:05.000 --> 00:00:06.000\n1 < 2 > 0\n\n00:00:01.000 --> 00:00:02.000\nfirst\n');
    expect(parsed.cues.map((c) => c.text)).toEqual(['first', '1 &lt; 2 &gt; 0']);
  });

  it.each([
    ['not UTF-8', new Uint8Array([0x31, 0x0a, 0xff, 0xfe, 0x0a]), 'not_utf8'],
    ['NUL', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\u0000b\n', 'control_character'],
    ['empty', '\n\n', 'empty'],
    ['only a header', 'WEBVTT\n', 'empty'],
    ['no timing line', '1\nhello\n', 'bad_timing'],
    ['end before start', '1\n00:00:05,000 --> 00:00:01,000\nx\n', 'bad_timing'],
    ['end equal to start', 'WEBVTT\n\n00:00:05.000 --> 00:00:05.000\nx\n', 'bad_timing'],
    ['seconds over 59', 'WEBVTT\n\n00:00:75.000 --> 00:01:20.000\nx\n', 'bad_timing'],
    ['SRT timing in WebVTT', 'WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n', 'bad_timing'],
    ['past 24 hours', '1\n24:00:00,000 --> 24:00:01,000\nx\n', 'bad_timing'],
    ['a cue running into the next', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n00:00:03.000 --> 00:00:04.000\ny\n', 'bad_cue'],
    ['script', '1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n', 'markup'],
    ['img onerror', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<img src=x onerror=alert(1)>\n', 'markup'],
    ['a link', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<a href="javascript:alert(1)">x</a>\n', 'markup'],
    ['an HTML comment', 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<!-- x -->\n', 'bad_cue'],
    ['a style tag', '1\n00:00:01,000 --> 00:00:02,000\n<style>*{}</style>\n', 'markup'],
    ['an iframe in a later line', '1\n00:00:01,000 --> 00:00:02,000\nok\n<iframe src=//x>\n', 'markup'],
  ])('refuses %s', (_, input, code) => {
    expect(refusal(input).code).toBe(code);
  });

  it('names the line of a refusal', () => {
    const err = refusal('1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:04,000\n<script>x</script>\n');
    expect(err.line).toBe(7);
  });

  it('refuses more than the byte limit, cue count and cue length', () => {
    expect(refusal(`WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${'x'.repeat(SUBTITLES.maxBytes)}\n`).code).toBe('too_large');
    const many = Array.from({ length: SUBTITLES.maxCues + 1 }, (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\nx\n`).join('\n');
    expect(refusal(many).code).toBe('too_many_cues');
    expect(refusal(`1\n00:00:01,000 --> 00:00:02,000\n${'y'.repeat(SUBTITLES.maxCueChars + 1)}\n`).code).toBe('cue_too_long');
  });
});

describe('subtitle languages', () => {
  it.each([
    ['en', 'en'],
    ['pt-br', 'pt-BR'],
    ['zh-hant', 'zh-Hant'],
    ['EN-us', 'en-US'],
  ])('canonicalises %s', (tag, want) => expect(canonicalLanguage(tag)).toBe(want));

  it.each(['', 'e', 'english!', '../x', 'en_US', 'en-', 'x'.repeat(40), 'en US', '"en"'])('refuses %j', (tag) =>
    expect(canonicalLanguage(tag)).toBeNull(),
  );
});

describe('subtitle renditions in HLS', () => {
  const master =
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nmaster_360p.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=960x540\nmaster_540p.m3u8\n';

  it('adds one EXT-X-MEDIA per language and SUBTITLES on every variant, replacing what was there', () => {
    const once = withSubtitleRenditions(master, [{ language: 'en', label: 'English' }]);
    const out = withSubtitleRenditions(once, [
      { language: 'de', label: 'Deutsch "DE"' },
      { language: 'pt-BR', label: 'Deutsch "DE"' },
    ]);
    const media = out.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    expect(media).toEqual([
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch 'DE'",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/de.m3u8"`,
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch 'DE' (pt-BR)",LANGUAGE="pt-BR",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/pt-br.m3u8"`,
    ]);
    expect(out.split('\n').filter((l) => l.includes('SUBTITLES="subs"') && l.startsWith('#EXT-X-STREAM-INF'))).toHaveLength(2);
    expect(out.indexOf('#EXT-X-MEDIA')).toBeLessThan(out.indexOf('#EXT-X-STREAM-INF'));
    expect(parseMasterPlaylist(out).map((v) => v.uri)).toEqual(['master_360p.m3u8', 'master_540p.m3u8']);
    expect(withSubtitleRenditions(out, [])).toBe(master);
  });

  it('writes a one-segment VOD media playlist', () => {
    expect(subtitlePlaylist('pt-BR', 30.5)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:31\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:30.500,\npt-br.vtt\n#EXT-X-ENDLIST\n',
    );
  });
});
