/**
 * The pure rules of delivery: which download answers count (a property over
 * Range headers in every spelling, against an independent byte bitmap),
 * what type and disposition an object is sent with, when declared and
 * detected types disagree, and how playlists carry a credential.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presentationHeaders, typeToSend, type Source } from '../../edge/delivery/content-policy.ts';
import { addParamsToPlaylist } from '../../edge/delivery/hls.ts';
import { parseRange, planRange } from '../../edge/delivery/range.ts';
import { startsDownload, type SentBytes } from '../../edge/delivery/sent-bytes.ts';
import { typeMismatch } from '../../edge/delivery/type-mismatch.ts';

/** What the edge sends for a Range header on an object of `length` bytes, as serve-object.ts plans it. */
function sentFor(header: string | null, length: number): SentBytes | 'unsatisfiable' {
  const specs = parseRange(header);
  if (!specs) return { length, range: null };
  const plan = planRange(specs, length);
  if (plan.kind === 'unsatisfiable') return 'unsatisfiable';
  return { length, range: plan.kind === 'partial' ? plan.range : null };
}

const counted = (header: string | null, length: number) => {
  const sent = sentFor(header, length);
  return sent !== 'unsatisfiable' && startsDownload(sent);
};

const LEN = 1000;

describe('download counting', () => {
  it.each([
    [null, true],
    ['bytes=0-', true],
    ['bytes=-999999999', true], // a suffix longer than the object is all of it
    ['bytes=00-', true],
    ['bytes=000000-9', true],
    ['bytes=1-,0-0', true], // coalesces into 0-999
    ['bytes=0-0,10-10', true], // disjoint: the whole object
    ['bytes=500-,0-499', true],
    ['bytes=abc', true], // ignored: the whole object
    ['items=5-9', true],
    [`bytes=${'1-1,'.repeat(16)}1-1`, true], // too many specs: ignored
    ['BYTES = 0-9', true],
    ['bytes=1-', false],
    ['bytes=-10', false],
    ['bytes=500-999', false],
    ['bytes=1000-', false], // 416
    ['bytes=-0', false], // 416
  ])('%s counts: %s', (header, want) => {
    expect(counted(header, LEN)).toBe(want);
  });

  /** Spec spellings: zero-padded numbers, spaces around commas. */
  const num = (n: number) => fc.nat(3).map((pad) => `${'0'.repeat(pad)}${n}`);
  const spec = fc.oneof(
    fc
      .tuple(fc.nat(1200), fc.nat(1200))
      .chain(([a, b]) =>
        fc
          .tuple(num(Math.min(a, b)), num(Math.max(a, b)))
          .map(([x, y]) => ({ text: `${x}-${y}`, from: Math.min(a, b), to: Math.max(a, b) })),
      ),
    fc.nat(1200).chain((a) => num(a).map((x) => ({ text: `${x}-`, from: a, to: Infinity }))),
    fc.integer({ min: 1, max: 1200 }).chain((n) => num(n).map((x) => ({ text: `-${x}`, from: LEN - n, to: LEN - 1 }))),
  );

  it('property: counted iff the answer carries byte 0 (the whole object, or a range from 0)', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 5 }), fc.constantFrom(',', ', ', ' ,'), (specs, sep) => {
        const header = `bytes=${specs.map((s) => s.text).join(sep)}`;
        // The reference: a bitmap of the bytes asked for; contiguous -> that range, none -> 416, else the whole object.
        const covered = new Array<boolean>(LEN).fill(false);
        for (const s of specs) for (let i = Math.max(0, s.from); i <= Math.min(s.to, LEN - 1); i++) covered[i] = true;
        const first = covered.indexOf(true);
        const last = covered.lastIndexOf(true);
        const carriesByteZero = first !== -1 && (first === 0 || !covered.slice(first, last + 1).every(Boolean));
        expect(counted(header, LEN), header).toBe(carriesByteZero);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('what an object is sent as', () => {
  const original = (detectedType: string | null): Source => ({ kind: 'original', detectedType });

  it('types an original by its detected type, never the declared (stored) one', () => {
    expect(typeToSend(original('text/html'), 'image/jpeg')).toBe('text/html');
    expect(typeToSend(original('image/png'), 'text/html')).toBe('image/png');
    expect(typeToSend(original(null), 'image/jpeg')).toBe('application/octet-stream');
    expect(typeToSend({ kind: 'derivative' }, 'image/webp')).toBe('image/webp');
  });

  it('never sends a type a page would run as a script or stylesheet', () => {
    for (const t of [
      'text/javascript',
      'application/javascript',
      'application/x-javascript',
      'text/ecmascript',
      'text/css',
      'application/wasm',
    ]) {
      expect(typeToSend(original(t), null), t).toBe('application/octet-stream');
      expect(typeToSend({ kind: 'derivative' }, t), t).toBe('application/octet-stream');
    }
  });

  it.each([
    [original('text/html'), 'text/html'],
    [original('image/svg+xml'), 'image/svg+xml'],
    [original('text/plain'), 'text/plain'],
    [original('application/pdf'), 'application/pdf'],
    [original(null), 'image/jpeg'],
    [original('video/quicktime'), 'video/quicktime'],
    [original('video/mp2t'), 'video/mp2t'], // a playlist segment type is not native media as an original
    [original('text/vtt'), 'text/vtt'],
    [{ kind: 'derivative' } as Source, 'text/html'],
    [{ kind: 'derivative' } as Source, 'image/svg+xml'],
  ])('%o stored as %s is an attachment in a sandbox', (source, stored) => {
    const h = presentationHeaders(source, stored, { download: false, filename: 'f' });
    expect(h['content-disposition']).toMatch(/^attachment;/);
    expect(h['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(h['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    [original('image/jpeg'), 'text/html'],
    [original('video/mp4'), null],
    [original('audio/ogg; codecs=opus'), null],
    [original('audio/x-m4a'), null],
    [{ kind: 'derivative' } as Source, 'application/vnd.apple.mpegurl'],
    [{ kind: 'derivative' } as Source, 'application/x-mpegURL'],
    [{ kind: 'derivative' } as Source, 'video/MP2T'],
    [{ kind: 'derivative' } as Source, 'text/vtt'],
  ])('%o stored as %s is inline, unless ?download=1', (source, stored) => {
    expect(presentationHeaders(source, stored, { download: false, filename: 'f' })['content-disposition']).toBeUndefined();
    expect(presentationHeaders(source, stored, { download: true, filename: 'f' })['content-disposition']).toMatch(/^attachment;/);
  });
});

describe('declared and detected types', () => {
  it('disagree only when both are known and differ beyond spelling', () => {
    expect(typeMismatch('image/jpeg', 'text/html')).toEqual({ declared: 'image/jpeg', detected: 'text/html' });
    expect(typeMismatch('image/png', 'image/jpeg')).toEqual({ declared: 'image/png', detected: 'image/jpeg' });
    expect(typeMismatch('image/jpg', 'image/jpeg')).toBeNull();
    expect(typeMismatch('IMAGE/JPEG; q=1', 'image/jpeg')).toBeNull();
    expect(typeMismatch('audio/x-m4a', 'audio/mp4')).toBeNull();
    expect(typeMismatch('application/octet-stream', 'text/html')).toBeNull();
    expect(typeMismatch('', 'text/html')).toBeNull();
    expect(typeMismatch('image/jpeg', null)).toBeNull();
  });
});

describe('playlists carry a credential', () => {
  it('appends URL-encoded parameters to every relative URI, leaving absolute ones', () => {
    const text = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6,\nseg1.ts\nseg2.ts?x=1#f\nhttps://cdn.test/a.ts\n';
    const out = addParamsToPlaylist(text, { u: 'a b&c\nd' });
    expect(out).toBe(
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4?u=a%20b%26c%0Ad"\n#EXTINF:6,\nseg1.ts?u=a%20b%26c%0Ad\nseg2.ts?x=1&u=a%20b%26c%0Ad#f\nhttps://cdn.test/a.ts\n',
    );
    expect(() => addParamsToPlaylist('<html>', { u: 'x' })).toThrow(TypeError);
  });
});
