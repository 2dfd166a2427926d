/**
 * What edge/delivery does to a master playlist it serves: adds the video's
 * subtitle renditions (./subtitle-hls.ts) before any credential rewrite, so
 * their URIs carry the same `t=` or `u=` as the rungs'. One small query, on
 * the master only (fetched once per playback); renditions, segments and
 * subtitle files stay crypto only.
 */
import type { Database } from '../../shared/db/database.ts';
import { MASTER_PLAYLIST } from '../../shared/profiles/video.ts';
import { withSubtitleRenditions } from './subtitle-hls.ts';
import { subtitleRenditions } from './subtitles.service.ts';

type Rewrite = (text: string) => string;

/** `then` preceded by the subtitle renditions when `variant` is the master and the video has any. */
export async function withSubtitles(db: Database, assetId: string, variant: string, then?: Rewrite): Promise<Rewrite | undefined> {
  if (variant !== MASTER_PLAYLIST) return then;
  const renditions = await subtitleRenditions(db, assetId);
  if (renditions.length === 0) return then;
  return (text) => {
    const withSubs = withSubtitleRenditions(text, renditions);
    return then ? then(withSubs) : withSubs;
  };
}
