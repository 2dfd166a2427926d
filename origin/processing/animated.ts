/**
 * Animated GIF and WebP: besides the still widths (the first frame), an
 * animated `preview.webp` at ANIMATED_PREVIEW.width, every frame and its
 * timing kept. Decoding every frame costs width × height × frames pixels, so
 * animations past ANIMATED_PREVIEW.maxPixels (all frames together) keep
 * their still only and say why.
 */
import { ANIMATED_PREVIEW } from '../../shared/profiles/image.ts';
import type { ImageSource } from './image-source.ts';
import type { Rendition } from './image.ts';

const ANIMATED_FORMATS = new Set(['gif', 'webp']);

export async function animatedPreview(
  source: ImageSource,
  maxPixels: number = ANIMATED_PREVIEW.maxPixels,
): Promise<{ rendition?: Rendition; note?: string }> {
  const { width = 0, height = 0, pages = 1, format = '' } = source.header;
  if (pages < 2 || !ANIMATED_FORMATS.has(format)) return {};
  const total = width * height * pages;
  if (total > maxPixels) {
    return { note: `no_animation: ${pages} frames of ${width}x${height} exceed ${maxPixels} pixels; the still is shown` };
  }
  const { data, info } = await source
    .open({ animated: true, limitInputPixels: maxPixels })
    .resize({ width: ANIMATED_PREVIEW.width, withoutEnlargement: true })
    .webp({ ...ANIMATED_PREVIEW.webp, loop: 0 })
    .toBuffer({ resolveWithObject: true });
  return {
    rendition: {
      variant: ANIMATED_PREVIEW.variant,
      contentType: 'image/webp',
      width: info.width,
      // Animated output reports the whole strip's height; one frame's is what a viewer shows.
      height: info.pageHeight ?? Math.round(info.height / pages),
      data,
    },
  };
}
