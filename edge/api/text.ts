/**
 * One schema for text that people read: file names, titles, descriptions,
 * collection, tag, org, group and user names, and the search and tag filters
 * that must match them. A name must look like what it is, so it may not carry:
 *
 * - bidirectional controls (U+202A-E, U+2066-9, U+200E/F, U+061C): they
 *   reorder what is shown (`invoice\u202Efdp.exe` reads "invoiceexe.pdf");
 * - other invisible format characters (Unicode Cf: U+200B, U+2060, U+FEFF,
 *   the soft hyphen, ...): two names that differ only by one look the same.
 *   Exceptions: U+200C/U+200D (ZWNJ/ZWJ), which Persian, Indic scripts and
 *   emoji sequences need, and the tag characters U+E0020-E007F of emoji
 *   subdivision flags;
 * - control characters (C0, DEL, C1) and U+2028/9; multi-line fields keep
 *   `\n` and `\t` (a `\r\n` becomes `\n`, a lone `\r` is refused);
 * - NUL (Postgres text cannot hold it), unpaired surrogates (not text; JSON
 *   `\uD800` escapes make them) and noncharacters (U+FFFE, U+FDD0, ...).
 *
 * Text is NFC-normalised before it is checked and stored: canonically
 * equivalent spellings (macOS file names arrive decomposed) then compare,
 * search and make tags alike, and lengths count what people see as one
 * character more closely. Lengths are in code points, as Postgres counts.
 */
import { z } from '@hono/zod-openapi';

export interface TextRules {
  /** Fewest code points (default 0). */
  min?: number;
  /** Most code points. */
  max: number;
  /** Keeps `\n` and `\t` (descriptions). */
  multiline?: boolean;
  /** Drops leading and trailing white space first. */
  trim?: boolean;
}

/** Why a text was refused: a stable code and a message naming the character. */
export interface TextProblem {
  code: 'nul' | 'lone_surrogate' | 'bidi_control' | 'invisible_character' | 'control_character' | 'noncharacter';
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /(?![\u200C\u200D\u{E0020}-\u{E007F}])\p{Cf}/u;
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/;
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;

const codePoint = (s: string, re: RegExp): string => {
  const found = re.exec(s)?.[0] ?? '';
  return `U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
};

/** The first reason `s` is not safe text, or null. Also used for query strings and JSON bodies (NUL and surrogates). */
export function textProblem(s: string, opts: { multiline?: boolean } = {}): TextProblem | null {
  if (s.includes('\u0000')) return { code: 'nul', message: 'must not contain NUL characters' };
  if (LONE_SURROGATE.test(s)) return { code: 'lone_surrogate', message: 'must be valid Unicode (an unpaired surrogate)' };
  if (BIDI.test(s)) return { code: 'bidi_control', message: `must not contain bidirectional control characters (${codePoint(s, BIDI)})` };
  if (INVISIBLE.test(s))
    return { code: 'invisible_character', message: `must not contain invisible formatting characters (${codePoint(s, INVISIBLE)})` };
  const control = opts.multiline ? CONTROL_MULTILINE : CONTROL;
  if (control.test(s)) return { code: 'control_character', message: `must not contain control characters (${codePoint(s, control)})` };
  if (NONCHARACTER.test(s)) return { code: 'noncharacter', message: `must not contain noncharacters (${codePoint(s, NONCHARACTER)})` };
  return null;
}

/** NUL or an unpaired surrogate: what no string the API takes may hold, whatever the field. */
export function unsafeString(s: string): TextProblem | null {
  const problem = textProblem(s, { multiline: true });
  return problem && (problem.code === 'nul' || problem.code === 'lone_surrogate') ? problem : null;
}

const length = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * A zod string of safe text (see above), normalised (trimmed when asked,
 * `\r\n` → `\n`, NFC). Refusals are issues with a stable `params.code`
 * (`bidi_control`, `too_long`, ...), reported as the field's code.
 */
export function safeText(rules: TextRules) {
  const min = rules.min ?? 0;
  return z
    .string()
    .transform((raw, ctx) => {
      // Checked before normalising: String.prototype.normalize would replace an unpaired surrogate.
      const early = unsafeString(raw);
      if (early) return fail(ctx, early.code, early.message);
      let s = rules.trim ? raw.trim() : raw;
      if (rules.multiline) s = s.replaceAll('\r\n', '\n');
      s = s.normalize('NFC');
      const problem = textProblem(s, rules);
      if (problem) return fail(ctx, problem.code, problem.message);
      const n = length(s);
      if (n < min) return fail(ctx, 'too_short', min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
      if (n > rules.max) return fail(ctx, 'too_long', `must be at most ${rules.max} characters`);
      return s;
    })
    .openapi({ minLength: min, maxLength: rules.max });
}

function fail(ctx: z.RefinementCtx, code: string, message: string): never {
  ctx.addIssue({ code: 'custom', message, params: { code } });
  return z.NEVER;
}
