/**
 * Reads an uploaded SRT or WebVTT file strictly and writes it back as one
 * clean WebVTT: only what a player needs survives.
 *
 * - The bytes must be UTF-8 (a BOM is dropped), at most `SUBTITLES.maxBytes`,
 *   without NUL or other control characters besides tab and line breaks.
 * - Every cue needs a well-formed timing line (`00:01.000 --> 00:02.500`,
 *   SRT's comma or dot), minutes and seconds below 60, end after start,
 *   within 24 h; at most `maxCues` cues of at most `maxCueChars` each.
 * - Cue text keeps the WebVTT cue tags (`c i b u v lang ruby rt` and
 *   timestamps); SRT's `<font>` and `{\an8}` overrides are dropped (their
 *   text kept); a bare `<`, `>` or `&` is escaped. Any other tag-like
 *   markup (`<script>`, `<img onerror=…>`, `<a href>`, `<!--`) refuses the
 *   whole file: it is not a subtitle, and escaping it would show it to
 *   every viewer as text.
 * - STYLE, REGION and NOTE blocks, cue identifiers and unknown cue settings
 *   are dropped (styling is the player's).
 *
 * Refusals are {@link SubtitleError}s with a stable `code` and the line.
 */
import { SUBTITLES } from '../../shared/profiles/subtitles.ts';

export type SubtitleProblem =
  | 'not_utf8'
  | 'too_large'
  | 'control_character'
  | 'empty'
  | 'bad_cue'
  | 'bad_timing'
  | 'too_many_cues'
  | 'cue_too_long'
  | 'markup';

export class SubtitleError extends Error {
  constructor(
    readonly code: SubtitleProblem,
    message: string,
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'SubtitleError';
  }
}

export interface Cue {
  startMs: number;
  endMs: number;
  /** Kept WebVTT cue settings (`align:start line:90%`), or ''. */
  settings: string;
  /** Sanitised cue text (lines joined by `\n`). */
  text: string;
}

export interface ParsedSubtitles {
  format: 'vtt' | 'srt';
  cues: Cue[];
}

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const VTT_TIME = String.raw`(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})`;
const VTT_TIMING = new RegExp(String.raw`^${VTT_TIME}[ \t]+-->[ \t]+${VTT_TIME}((?:[ \t].*)?)$`);
const SRT_TIME = String.raw`(\d{1,3}):(\d{2}):(\d{2})[,.](\d{3})`;
const SRT_TIMING = new RegExp(String.raw`^${SRT_TIME}[ \t]*-->[ \t]*${SRT_TIME}(?:[ \t].*)?$`);
const SETTING =
  /^(vertical:(rl|lr)|line:-?\d{1,3}(\.\d+)?%?(,(start|center|end))?|position:\d{1,3}(\.\d+)?%(,(line-left|center|line-right))?|size:\d{1,3}(\.\d+)?%|align:(start|center|end|left|right))$/;
const CUE_TAGS = new Set(['c', 'i', 'b', 'u', 'v', 'lang', 'ruby', 'rt']);
const TAG = /^<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\.[A-Za-z0-9_-]+)*)([ \t][^<>\n]*)?>/;
const TIMESTAMP_TAG = /^<(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}>/;
const ENTITY = /^&(?:amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;

/** Decodes the bytes (UTF-8, fatal) or checks the size of a string already decoded. */
function decode(input: Uint8Array | string): string {
  const size = typeof input === 'string' ? new TextEncoder().encode(input).byteLength : input.byteLength;
  if (size > SUBTITLES.maxBytes) throw new SubtitleError('too_large', `A subtitle file may be at most ${SUBTITLES.maxBytes} bytes.`);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input);
    } catch {
      throw new SubtitleError('not_utf8', 'A subtitle file must be UTF-8 text.');
    }
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const bad = CONTROL.exec(text);
  if (bad) {
    const line = text.slice(0, bad.index).split(/\r\n?|\n/).length;
    throw new SubtitleError('control_character', 'control characters (or broken Unicode) are not subtitle text', line);
  }
  return text;
}

const ms = (h: string | undefined, m: string, s: string, f: string) =>
  ((Number(h ?? 0) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(f);

function timing(m: RegExpExecArray, line: number): { startMs: number; endMs: number } {
  const [, h1, m1, s1, f1, h2, m2, s2, f2] = m;
  if (Number(m1) > 59 || Number(s1) > 59 || Number(m2) > 59 || Number(s2) > 59) {
    throw new SubtitleError('bad_timing', 'minutes and seconds must be below 60', line);
  }
  const startMs = ms(h1, m1!, s1!, f1!);
  const endMs = ms(h2, m2!, s2!, f2!);
  if (endMs <= startMs) throw new SubtitleError('bad_timing', 'a cue must end after it starts', line);
  if (endMs > SUBTITLES.maxEndMs) throw new SubtitleError('bad_timing', 'cues must end within 24 hours', line);
  return { startMs, endMs };
}

/** One line of cue text, sanitised (see the file comment). */
function cueLine(raw: string, line: number, srt: boolean): string {
  if (raw.includes('-->')) throw new SubtitleError('bad_cue', 'cue text must not contain "-->" (a missing blank line?)', line);
  const s = srt ? raw.replace(/\{\\[^}]*\}/g, '') : raw;
  let out = '';
  for (let i = 0; i < s.length; ) {
    const rest = s.slice(i);
    const ch = s[i]!;
    if (ch === '<') {
      const stamp = TIMESTAMP_TAG.exec(rest);
      if (stamp) {
        out += stamp[0];
        i += stamp[0].length;
        continue;
      }
      const tag = TAG.exec(rest);
      if (tag) {
        const [whole, close, rawName, classes, annotation] = tag;
        const name = rawName!.toLowerCase();
        if (CUE_TAGS.has(name)) {
          const note = !close && (name === 'v' || name === 'lang') && annotation ? ` ${annotation.trim().replaceAll('&', '&amp;')}` : '';
          out += close ? `</${name}>` : `<${name}${classes}${note}>`;
        } else if (srt && name === 'font') {
          // SRT colour markup: the text stays, the styling goes.
        } else {
          throw new SubtitleError('markup', `cue text holds markup that is not a WebVTT cue tag (<${close}${name}>)`, line);
        }
        i += whole!.length;
        continue;
      }
      if (/^<[/!?A-Za-z]/.test(rest)) throw new SubtitleError('markup', 'cue text holds HTML-like markup', line);
      out += '&lt;';
    } else if (ch === '>') out += '&gt;';
    else if (ch === '&') {
      const entity = ENTITY.exec(rest);
      out += entity ? entity[0] : '&amp;';
      if (entity) {
        i += entity[0].length;
        continue;
      }
    } else out += ch;
    i++;
  }
  return out;
}

interface Block {
  lines: string[];
  /** 1-based line number of the block's first line. */
  first: number;
}

function blocks(text: string): Block[] {
  const all = text.split(/\r\n?|\n/);
  const out: Block[] = [];
  let current: Block | null = null;
  all.forEach((line, i) => {
    if (line.trim() === '') current = null;
    else if (current) current.lines.push(line);
    else {
      current = { lines: [line], first: i + 1 };
      out.push(current);
    }
  });
  return out;
}

function pushCue(cues: Cue[], cue: Cue, line: number): void {
  if (cue.text === '') return;
  if ([...cue.text].length > SUBTITLES.maxCueChars) {
    throw new SubtitleError('cue_too_long', `a cue may hold at most ${SUBTITLES.maxCueChars} characters`, line);
  }
  if (cues.length >= SUBTITLES.maxCues) throw new SubtitleError('too_many_cues', `a file may hold at most ${SUBTITLES.maxCues} cues`, line);
  cues.push(cue);
}

function parseVtt(all: Block[]): Cue[] {
  const cues: Cue[] = [];
  // The first block is the WEBVTT line and its header.
  for (const block of all.slice(1)) {
    const head = block.lines[0]!;
    if (/^(NOTE|STYLE|REGION)([ \t]|$)/.test(head)) continue;
    const at = head.includes('-->') ? 0 : 1;
    const line = block.first + at;
    const timingLine = block.lines[at];
    if (timingLine === undefined) throw new SubtitleError('bad_cue', 'a cue needs a timing line', block.first);
    const m = VTT_TIMING.exec(timingLine.trim());
    if (!m) throw new SubtitleError('bad_timing', 'not a WebVTT cue timing (hh:mm:ss.ttt --> hh:mm:ss.ttt)', line);
    const settings = m[9]!
      .trim()
      .split(/[ \t]+/)
      .filter((s) => SETTING.test(s))
      .join(' ');
    const text = block.lines.slice(at + 1).map((l, i) => cueLine(l, line + 1 + i, false));
    pushCue(cues, { ...timing(m, line), settings, text: text.join('\n') }, line);
  }
  return cues;
}

function parseSrt(all: Block[]): Cue[] {
  const cues: Cue[] = [];
  for (const block of all) {
    const at = /^\d+$/.test(block.lines[0]!.trim()) ? 1 : 0;
    const line = block.first + at;
    const timingLine = block.lines[at];
    if (timingLine === undefined) throw new SubtitleError('bad_cue', 'a cue needs a timing line', block.first);
    const m = SRT_TIMING.exec(timingLine.trim());
    if (!m) throw new SubtitleError('bad_timing', 'not an SRT cue timing (hh:mm:ss,ttt --> hh:mm:ss,ttt)', line);
    const text = block.lines.slice(at + 1).map((l, i) => cueLine(l, line + 1 + i, true));
    pushCue(cues, { ...timing(m, line), settings: '', text: text.join('\n') }, line);
  }
  return cues;
}

/** Parses an SRT or WebVTT file (by its first line). @throws SubtitleError */
export function parseSubtitles(input: Uint8Array | string): ParsedSubtitles {
  const text = decode(input);
  const all = blocks(text);
  if (all.length === 0) throw new SubtitleError('empty', 'The subtitle file is empty.');
  const vtt = /^WEBVTT([ \t].*)?$/.test(all[0]!.lines[0]!) && all[0]!.first === 1;
  const cues = vtt ? parseVtt(all) : parseSrt(all);
  if (cues.length === 0) throw new SubtitleError('empty', 'The subtitle file has no cues.');
  // WebVTT wants cues in start order; SRT files are not always.
  cues.sort((a, b) => a.startMs - b.startMs);
  return { format: vtt ? 'vtt' : 'srt', cues };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `hh:mm:ss.ttt` (hours at least two digits). */
export function vttTime(msTotal: number): string {
  const h = Math.floor(msTotal / 3_600_000);
  const m = Math.floor(msTotal / 60_000) % 60;
  const s = Math.floor(msTotal / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(msTotal % 1000, 3)}`;
}

/**
 * The WebVTT we store and serve: the `X-TIMESTAMP-MAP` header HLS needs
 * (browsers' `<track>` parsers skip header lines), then the cues.
 */
export function toWebVtt(cues: readonly Cue[]): string {
  const head = `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${SUBTITLES.mpegTsOrigin},LOCAL:00:00:00.000\n`;
  const body = cues.map((c) => `\n${vttTime(c.startMs)} --> ${vttTime(c.endMs)}${c.settings ? ` ${c.settings}` : ''}\n${c.text}\n`);
  return head + body.join('');
}
