/**
 * hls.js as a chunk of its own: only pages that play a video fetch it
 * (web/build.ts splits dynamic imports into separate files). The full build
 * (620 KB), not the light one (370 KB): the light build has no subtitle
 * renditions, and videos carry them (edge/subtitles/).
 */
import type Hls from 'hls.js';

let loading: Promise<typeof Hls> | null = null;

export function loadHls(): Promise<typeof Hls> {
  loading ??= import('hls.js').then((m) => m.default);
  // A failed fetch (offline, a deploy replaced the chunk) may be retried by the next video.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
