/**
 * hls.js as a chunk of its own: only pages that play a video fetch it
 * (web/build.ts splits dynamic imports into separate files). The light build
 * (no subtitles, alternate audio or DRM, which the ladder of
 * shared/profiles/video.ts does not use) is 370 KB instead of 620 KB.
 */
import type Hls from 'hls.js';

let loading: Promise<typeof Hls> | null = null;

export function loadHls(): Promise<typeof Hls> {
  loading ??= import('hls.js/light').then((m) => m.default);
  // A failed fetch (offline, a deploy replaced the chunk) may be retried by the next video.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
