/**
 * The image and document derivative profile: which files the pipeline makes
 * from an original, their names (the `:variant` of `/m/:assetId/:variant`) and
 * the limits it refuses to go past. The edge reads the same names to list and
 * serve derivatives.
 */

/**
 * Thumbnail widths in pixels, smallest first. Every variant always exists so
 * clients can name any of them; none is upscaled: for a 500 px wide original,
 * `w640.*` and `w1024.*` are 500 px wide (the row records the real size).
 */
export const IMAGE_WIDTHS = [150, 320, 640, 1024] as const;
export type ImageWidth = (typeof IMAGE_WIDTHS)[number];

export const IMAGE_FORMATS = ['webp', 'jpeg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** File extension of each output format, as it appears in variant names. */
export const FORMAT_EXTENSION: Record<ImageFormat, string> = { webp: 'webp', jpeg: 'jpg' };
export const FORMAT_CONTENT_TYPE: Record<ImageFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg' };

/** `w640.webp`, `w150.jpg`, … */
export function imageVariant(width: ImageWidth, format: ImageFormat): string {
  return `w${width}.${FORMAT_EXTENSION[format]}`;
}

/** Every image variant name, in the order they are produced. */
export const IMAGE_VARIANTS: readonly string[] = IMAGE_WIDTHS.flatMap((w) => IMAGE_FORMATS.map((f) => imageVariant(w, f)));

/**
 * Encoder settings. WebP keeps alpha; JPEG has none, so transparent pixels are
 * flattened onto `jpegBackground`. Quality 80/82 is visually lossless at
 * thumbnail sizes; effort 4 is libwebp's default speed/size balance.
 */
export const IMAGE_ENCODE = {
  webp: { quality: 80, alphaQuality: 90, effort: 4 },
  jpeg: { quality: 82, progressive: true, mozjpeg: false },
  jpegBackground: '#ffffff',
} as const;

/**
 * Refuse to decode more than 100 megapixels (sharp's default is 268 MP,
 * 16383²). A decoded 100 MP frame is ~300 MB (RGB) to ~400 MB (RGBA), which
 * leaves the 2 GB ingest Lambda room for the resize and encoders; every
 * common camera (24-61 MP, 102 MP medium format just over) and scanner output
 * fits, while a "pixel bomb" (a few KB declaring a gigapixel canvas) does not.
 */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Originals larger than this are not decoded as images (they are refused with `too_large`). */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

/** SVGs are XML parsed by librsvg; keep them small. */
export const MAX_SVG_BYTES = 5 * 1024 * 1024;

/**
 * Camera RAW types the pipeline recognises from the bytes (origin/processing/raw-type.ts).
 * Their preview is the JPEG the camera embedded (origin/processing/raw-preview.ts);
 * a RAW without one is stored with its type icon and `no_preview: …`. RAF
 * (file-type detects it) names its JPEG in its own header; CR3 (ISO BMFF)
 * is not handled and is not in this list.
 */
/** Camera RAW file extensions and their types (the CLI and the SPA declare these when a browser or OS does not know them). */
export const RAW_EXTENSION_TYPES: Readonly<Record<string, string>> = {
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  nef: 'image/x-nikon-nef',
  arw: 'image/x-sony-arw',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
  pef: 'image/x-pentax-pef',
  srw: 'image/x-samsung-srw',
  raf: 'image/x-fujifilm-raf',
};

export const RAW_TYPES: ReadonlySet<string> = new Set(Object.values(RAW_EXTENSION_TYPES));

/**
 * Input formats sharp's prebuilt libvips decodes, plus HEIC/HEIF (HEVC),
 * which libheif in wasm decodes first (origin/processing/heif.ts), and
 * camera RAWs (their embedded JPEG). Other image types (BMP, PSD, ICO,
 * CR3…) are stored, get a type icon and say why they have no preview
 * (`status_reason` `no_preview: …`).
 */
export const DECODABLE_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
  'image/svg+xml',
  'image/heic',
  'image/heif',
  'image/heic-sequence',
  'image/heif-sequence',
  ...RAW_TYPES,
]);

/** HEIF brands whose primary image is HEVC (or another codec sharp's libvips lacks): decoded by libheif. */
export const HEIF_TYPES: ReadonlySet<string> = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

/**
 * The animated preview of an animated GIF or WebP: `preview.webp`, every
 * frame at `width` px. All frames together may hold at most `maxPixels`
 * (e.g. 120 frames of 1280×720): beyond, only the still is made.
 */
export const ANIMATED_PREVIEW = {
  variant: 'preview.webp',
  width: 480,
  maxPixels: 120_000_000,
  webp: { quality: 70, effort: 4 },
} as const;

/**
 * The placeholder stored on `assets.placeholder`: a ThumbHash (about 25
 * bytes, base64) of the image fitted into 100×100 (ThumbHash's maximum input).
 */
export const PLACEHOLDER = { kind: 'thumbhash', maxSize: 100 } as const;

/** Document variants: the first page as a JPEG for PDFs, a type icon for everything else. */
export const DOCUMENT_VARIANTS = {
  /** First page of a PDF, long side DOCUMENT_PREVIEW.size px. */
  preview: 'preview.jpg',
  /** A small generic icon of the file's category (PNG, `iconSize`² px). */
  icon: 'icon.png',
} as const;

export const DOCUMENT_PREVIEW = { size: 1024, jpegQuality: 82, timeoutMs: 60_000 } as const;

/** PDFs larger than this are not rendered (they get the type icon). */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export const ICON_SIZE = 256;

/** The categories a type icon is drawn for. */
export const ICON_CATEGORIES = ['image', 'video', 'audio', 'document', 'archive', 'text', 'other'] as const;
export type IconCategory = (typeof ICON_CATEGORIES)[number];
