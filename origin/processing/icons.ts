/**
 * Type icons: a small generic picture per file category, drawn by sharp from
 * an SVG written here (shapes only, no text, so no fonts are needed — Lambda
 * has none). Stored as the asset's `icon.png` derivative for anything that
 * has no better preview. Rendered once per category per process.
 */
import sharp from 'sharp';
import { DOCUMENT_VARIANTS, ICON_SIZE, type IconCategory } from '../../shared/profiles/image.ts';
import type { Rendition } from './image.ts';

const COLOURS: Record<IconCategory, string> = {
  image: '#2f9e44',
  video: '#e8590c',
  audio: '#9c36b5',
  document: '#1971c2',
  archive: '#a07b00',
  text: '#495057',
  other: '#868e96',
};

/** The glyph drawn on the page, in a 100×100 box centred on the sheet. */
const GLYPHS: Record<IconCategory, string> = {
  image: '<path d="M10 80 L38 42 L58 66 L70 54 L90 80 Z"/><circle cx="70" cy="28" r="9"/>',
  video: '<path d="M30 18 L82 50 L30 82 Z"/>',
  audio: '<path d="M38 20 L84 10 L84 70 A12 10 0 1 1 76 61 L76 26 L46 32 L46 78 A12 10 0 1 1 38 69 Z"/>',
  document:
    '<rect x="14" y="14" width="72" height="8"/><rect x="14" y="34" width="72" height="8"/><rect x="14" y="54" width="72" height="8"/><rect x="14" y="74" width="46" height="8"/>',
  archive:
    '<rect x="42" y="4" width="16" height="8"/><rect x="42" y="20" width="16" height="8"/><rect x="42" y="36" width="16" height="8"/><rect x="34" y="54" width="32" height="36" rx="4"/>',
  text: '<rect x="14" y="20" width="72" height="6"/><rect x="14" y="38" width="60" height="6"/><rect x="14" y="56" width="72" height="6"/><rect x="14" y="74" width="40" height="6"/>',
  other: '<circle cx="50" cy="50" r="22"/>',
};

/** The icon's SVG source: a page with a folded corner, the category's colour and glyph. */
export function iconSvg(category: IconCategory): string {
  const c = COLOURS[category];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${ICON_SIZE}" height="${ICON_SIZE}" viewBox="0 0 256 256">
  <path d="M48 16 H164 L212 64 V240 H48 Z" fill="#ffffff" stroke="${c}" stroke-width="8" stroke-linejoin="round"/>
  <path d="M164 16 V64 H212" fill="${c}" fill-opacity="0.25" stroke="${c}" stroke-width="8" stroke-linejoin="round"/>
  <g transform="translate(80 104) scale(0.96)" fill="${c}">${GLYPHS[category]}</g>
</svg>`;
}

const cache = new Map<IconCategory, Promise<Rendition>>();

/** The `icon.png` rendition for a category. */
export function renderIcon(category: IconCategory): Promise<Rendition> {
  let icon = cache.get(category);
  if (!icon) {
    icon = sharp(Buffer.from(iconSvg(category)))
      .png({ compressionLevel: 9, palette: true })
      .toBuffer({ resolveWithObject: true })
      .then(({ data, info }) => ({
        variant: DOCUMENT_VARIANTS.icon,
        contentType: 'image/png',
        width: info.width,
        height: info.height,
        data,
      }));
    // A failed render is not cached, so a later call can try again.
    icon.catch(() => cache.delete(category));
    cache.set(category, icon);
  }
  return icon;
}
