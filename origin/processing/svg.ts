/**
 * The SVG gate in front of librsvg (sharp's SVG loader). Measured with sharp
 * 0.35 / librsvg 2.63: with the SVG given as a buffer (no base URL) librsvg
 * loads no external resource at all — `<image href>` to http: or file:,
 * `<use>` of another document, CSS `@import` and `url()` fills, and the
 * external DTD of a DOCTYPE fetch nothing (test/node/ingest-svg.test.ts keeps
 * a recording HTTP server to prove it), and an external entity is rejected as
 * undefined. What remains is entity expansion ("billion laughs"), so any
 * entity declaration is refused here before the parser sees it. Size and
 * pixel limits are checked by the caller.
 */
import { OriginError } from '../core/errors.ts';

/** Returns the SVG unchanged when it is safe to hand to librsvg; throws `unsupported` otherwise. */
export function checkSvg(svg: Buffer): Buffer {
  if (/<!ENTITY/i.test(svg.toString('latin1'))) {
    throw new OriginError('unsupported', 'SVG declares XML entities; refused to render');
  }
  return svg;
}
