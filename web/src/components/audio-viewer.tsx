/**
 * An audio asset: its waveform (`waveform.png`) over a stock <audio> player.
 * The player plays `preview.mp4` (AAC, which every browser decodes) and falls
 * back to the original for callers who may download it when no preview exists.
 */
import type { Schemas } from '../api/client.ts';
import { mediaUrl } from './image-viewer.tsx';

type Asset = Schemas['Asset'];

export function AudioViewer({ asset, name, onExpired }: { asset: Asset; name: string; onExpired: () => void }) {
  const waveform = mediaUrl(asset.media, 'waveform.png');
  const src = mediaUrl(asset.media, 'preview.mp4') ?? mediaUrl(asset.media, 'original');
  if (!src && !waveform) return null;
  return (
    <figure class="audio-player card">
      {waveform ? <img class="waveform" src={waveform} alt={`Waveform of ${name}`} width={1024} height={160} onError={onExpired} /> : null}
      {src ? <audio controls preload="metadata" src={src} aria-label={`Audio: ${name}`} onError={onExpired} /> : null}
    </figure>
  );
}
