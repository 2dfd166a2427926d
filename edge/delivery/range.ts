/**
 * HTTP Range (RFC 9110 §14) for byte ranges, decided by the edge rather than
 * the storage server, so the answer is the same on AWS S3 and on any local
 * S3 server: one range is served as a single-part 206; several ranges are
 * coalesced when they overlap or touch, and otherwise ignored (a 200 of the
 * whole object). A request can therefore never make the edge send more bytes
 * than the object holds (no multipart amplification).
 */

/** One range spec as written: `a-b`, `a-` or `-n`. */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

/** More specs than this and the header is ignored. */
export const MAX_RANGE_SPECS = 16;

/**
 * Parses a Range header. Returns null when the header is absent, not a
 * `bytes` range, malformed, or has too many specs: RFC 9110 says such a
 * header is ignored (the whole object is served).
 */
export function parseRange(header: string | null | undefined): RangeSpec[] | null {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return null;
  const parts = m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0 || parts.length > MAX_RANGE_SPECS) return null;
  const specs: RangeSpec[] = [];
  for (const part of parts) {
    const r = /^(\d*)-(\d*)$/.exec(part);
    if (!r || (r[1] === '' && r[2] === '')) return null;
    // Digits beyond 2^53 are not a byte offset we can serve: ignore the header.
    if (r[1]!.length > 15 || r[2]!.length > 15) return null;
    if (r[1] === '') {
      specs.push({ suffix: Number(r[2]) });
    } else {
      const start = Number(r[1]);
      if (r[2] === '') specs.push({ start });
      else {
        const end = Number(r[2]);
        if (end < start) return null;
        specs.push({ start, end });
      }
    }
  }
  return specs;
}

/** An inclusive byte range within an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/** How to answer a ranged request once the object's length is known. */
export type RangePlan = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

function resolveSpec(spec: RangeSpec, length: number): ByteRange | null {
  if ('suffix' in spec) {
    if (spec.suffix === 0 || length === 0) return null;
    return { start: Math.max(0, length - spec.suffix), end: length - 1 };
  }
  if (spec.start >= length) return null;
  return { start: spec.start, end: Math.min(spec.end ?? length - 1, length - 1) };
}

/**
 * Decides the answer for parsed specs against an object of `length` bytes:
 * unsatisfiable when no spec overlaps the object (416); one partial range
 * when the satisfiable specs coalesce into one; otherwise the full object.
 */
export function planRange(specs: RangeSpec[], length: number): RangePlan {
  const ranges = specs.map((s) => resolveSpec(s, length)).filter((r): r is ByteRange => r !== null);
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  ranges.sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  if (merged.length > 1) return { kind: 'full' };
  const only = merged[0]!;
  // A range that is the whole object is still a 206: the client asked for a range.
  return { kind: 'partial', range: only };
}

/** The one spec of a single-spec request, as a header value to forward to storage. */
export function formatSpec(spec: RangeSpec): string {
  if ('suffix' in spec) return `bytes=-${spec.suffix}`;
  return `bytes=${spec.start}-${spec.end ?? ''}`;
}

/** Parses a storage server's `Content-Range: bytes a-b/len`. */
export function parseContentRange(header: string | null): { range: ByteRange; length: number } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  if (!m) return null;
  return { range: { start: Number(m[1]), end: Number(m[2]) }, length: Number(m[3]) };
}
