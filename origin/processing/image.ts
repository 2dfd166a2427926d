/**
 * Image derivatives with sharp: every width of the profile in WebP and JPEG,
 * plus a ThumbHash placeholder, from ONE decode. The original is decoded,
 * turned upright (EXIF orientation) and shrunk to the largest width once
 * (JPEG shrink-on-load makes that cheap); each output is resized from that
 * small raw copy. sharp writes no metadata unless asked, so derivatives carry
 * no EXIF (GPS included); `metadata.ts` keeps what we want on the asset.
 *
 * HEIC/HEIF is decoded by libheif (image-source.ts, heif.ts); an animated
 * GIF or WebP also gets `preview.webp`, animated (animated.ts), while the
 * widths are its first frame.
 *
 * Refusals are OriginErrors: `pixel_limit` from the header alone (nothing is
 * decoded), `truncated` / `corrupt` when decoding fails, `unsupported` for
 * SVGs declaring XML entities.
 */
import { stat } from 'node:fs/promises';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import {
  IMAGE_ENCODE,
  FORMAT_CONTENT_TYPE,
  IMAGE_FORMATS,
  IMAGE_WIDTHS,
  MAX_IMAGE_BYTES,
  MAX_INPUT_PIXELS,
  MAX_SVG_BYTES,
  PLACEHOLDER,
  imageVariant,
  type ImageFormat,
} from '../../shared/profiles/image.ts';
import { OriginError } from '../core/errors.ts';
import { readExif, swapsAxes, toMetadata, type AssetMetadata } from './metadata.ts';
import { animatedPreview } from './animated.ts';
import { openSource } from './image-source.ts';

/** One file to store in the derivatives bucket. */
export interface Rendition {
  variant: string;
  contentType: string;
  width: number;
  height: number;
  data: Buffer;
}

export interface DerivedImage {
  renditions: Rendition[];
  /** ThumbHash, base64. */
  placeholder: string;
  metadata: AssetMetadata;
  /** Why a preview the image should have is missing (an animation too long to animate). */
  note?: string;
}

export interface DeriveImageOptions {
  /** Whether the file ends with its format's end marker (from sniff's `endMarker`). */
  endMarker?: 'present' | 'missing' | 'unknown';
  maxWidth?: number;
}

const MAX_WIDTH = Math.max(...IMAGE_WIDTHS);

/** Makes every image variant of a local file whose sniffed type is `mime`. */
export async function deriveImage(file: string, mime: string, opts: DeriveImageOptions = {}): Promise<DerivedImage> {
  const size = (await stat(file)).size;
  const isSvg = mime === 'image/svg+xml';
  const maxBytes = isSvg ? MAX_SVG_BYTES : MAX_IMAGE_BYTES;
  if (size > maxBytes) throw new OriginError('too_large', `${mime} of ${size} bytes exceeds ${maxBytes}`);
  const damaged = (cause: unknown) =>
    opts.endMarker === 'missing'
      ? new OriginError('truncated', `${mime} ends before its end marker`, { cause })
      : new OriginError('corrupt', `${mime} does not decode`, { cause });
  const source = await openSource(file, mime, damaged);
  const { header } = source;
  const width = header.width ?? 0;
  const height = header.height ?? 0;
  // SVGs are rendered denser so a small drawing still fills the largest width.
  const density = isSvg ? 72 * Math.min(8, Math.max(1, MAX_WIDTH / Math.max(width, 1))) : undefined;
  const scale = density ? density / 72 : 1;
  const pixels = Math.round(width * scale) * Math.round(height * scale);
  if (!width || !height) throw damaged(new Error('no dimensions'));
  if (pixels > MAX_INPUT_PIXELS) {
    throw new OriginError('pixel_limit', `${width}x${height} (${pixels} pixels) exceeds the limit of ${MAX_INPUT_PIXELS}`);
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await source
      .open({ density })
      .rotate()
      .resize({ width: opts.maxWidth ?? MAX_WIDTH, withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw e instanceof OriginError ? e : damaged(e);
  }
  const { data, info } = decoded;
  const base = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });

  const renditions = await Promise.all(
    IMAGE_WIDTHS.flatMap((w) => IMAGE_FORMATS.map((f) => encode(base(), Math.min(w, info.width), info.width, f, imageVariant(w, f)))),
  );
  const animation = await animatedPreview(source);
  if (animation.rendition) renditions.push(animation.rendition);
  const { orientation, ...exif } = isSvg ? {} : await readExif(source.exifBytes ?? file);
  // In a HEIF the decoder already turned the image (`irot`); its EXIF orientation is not applied on top.
  const turned = source.exifOrientation ? (orientation ?? header.orientation) : undefined;
  const upright = swapsAxes(turned);
  return {
    renditions,
    placeholder: await thumbhash(base()),
    ...(animation.note ? { note: animation.note } : {}),
    metadata: toMetadata(
      {
        width: upright ? height : width,
        height: upright ? width : height,
        format: header.format,
        ...(header.pages && header.pages > 1 ? { pages: header.pages } : {}),
      },
      { ...exif, ...(source.exifOrientation && orientation ? { orientation } : {}) },
    ),
  };
}

async function encode(img: Sharp, width: number, rawWidth: number, format: ImageFormat, variant: string): Promise<Rendition> {
  const sized = width < rawWidth ? img.resize({ width }) : img;
  const out =
    format === 'webp' ? sized.webp(IMAGE_ENCODE.webp) : sized.flatten({ background: IMAGE_ENCODE.jpegBackground }).jpeg(IMAGE_ENCODE.jpeg);
  const { data, info } = await out.toBuffer({ resolveWithObject: true });
  return { variant, contentType: FORMAT_CONTENT_TYPE[format], width: info.width, height: info.height, data };
}

/** A ThumbHash of the image fitted into 100×100, base64. */
export async function thumbhash(img: Sharp): Promise<string> {
  const { data, info } = await img
    .resize(PLACEHOLDER.maxSize, PLACEHOLDER.maxSize, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}
