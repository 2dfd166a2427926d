/**
 * How an image original is opened: its header (dimensions, format, frames),
 * read without decoding pixels, and a sharp pipeline that decodes it. sharp
 * decodes everything its prebuilt libvips knows; HEIC/HEIF (HEVC) is decoded
 * by libheif in wasm (heif.ts) into raw RGBA that sharp then takes as input.
 * A camera RAW opens as the JPEG the camera embedded in it (raw-preview.ts),
 * turned by the RAW's IFD0 Orientation; its EXIF is read from the RAW itself
 * (from that JPEG for RAF, which exifr does not read).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { HEIF_TYPES, MAX_INPUT_PIXELS, RAW_TYPES } from '../../shared/profiles/image.ts';
import { OriginError } from '../core/errors.ts';
import { decodeHeif } from './heif.ts';
import { heifExif } from './heif-exif.ts';
import { rawPreview } from './raw-preview.ts';
import { TiffError } from './tiff-ifd.ts';
import { checkSvg } from './svg.ts';

export interface ImageHeader {
  width?: number;
  height?: number;
  format?: string;
  /** EXIF orientation as the container reports it (not for HEIF: `irot` is applied by the decoder). */
  orientation?: number;
  /** Frames of an animated GIF/WebP, pages of a TIFF. */
  pages?: number;
}

export interface ImageSource {
  header: ImageHeader;
  /** The file as sharp reads it (path, buffer or raw pixels), with the options it needs. */
  open(opts: { density?: number; animated?: boolean; limitInputPixels?: number }): Sharp;
  /** The EXIF block as TIFF bytes (or a JPEG holding it), where exifr cannot find it in the file itself (HEIF, RAF). */
  exifBytes?: Buffer;
  /** Whether EXIF orientation says how to display it; false for HEIF, whose decoder applied `irot`/`imir`. */
  exifOrientation: boolean;
}

/** Opens `file` (sniffed as `mime`); `damaged` turns a decoder's failure into the right refusal. */
export async function openSource(file: string, mime: string, damaged: (cause: unknown) => Error): Promise<ImageSource> {
  if (HEIF_TYPES.has(mime)) {
    // The size is checked from the container inside decodeHeif, before any pixel is decoded.
    const bytes = await readFile(file);
    const heif = await decodeHeif(bytes, MAX_INPUT_PIXELS).catch((e: unknown) => {
      throw e instanceof OriginError ? e : damaged(e);
    });
    const exifBytes = heifExif(bytes);
    const raw = { width: heif.width, height: heif.height, channels: heif.channels };
    return {
      header: { width: heif.width, height: heif.height, format: 'heif' },
      exifOrientation: false,
      ...(exifBytes ? { exifBytes } : {}),
      open: () => {
        const img = sharp(heif.data, { raw });
        return heif.hasAlpha ? img : img.removeAlpha();
      },
    };
  }
  if (RAW_TYPES.has(mime)) return openRaw(file, mime, damaged);
  const input: string | Buffer = mime === 'image/svg+xml' ? checkSvg(await readFile(file)) : file;
  // Header only: a pixel bomb is refused before a single pixel is decoded.
  const header = await sharp(input, { limitInputPixels: false, failOn: 'none' })
    .metadata()
    .catch((e: unknown) => {
      throw damaged(e);
    });
  return {
    header: {
      width: header.width,
      height: header.pageHeight && header.pages && header.pages > 1 ? header.pageHeight : header.height,
      format: header.format,
      orientation: header.orientation,
      pages: header.pages,
    },
    exifOrientation: true,
    open: (opts) =>
      sharp(input, {
        limitInputPixels: opts.limitInputPixels ?? MAX_INPUT_PIXELS,
        failOn: 'truncated',
        sequentialRead: true,
        ...(opts.density ? { density: opts.density } : {}),
        ...(opts.animated ? { animated: true } : {}),
      }),
  };
}

/** A camera RAW as its largest decodable embedded JPEG; `no_preview` when it has none. */
async function openRaw(file: string, mime: string, damaged: (cause: unknown) => Error): Promise<ImageSource> {
  const preview = await rawPreview(await readFile(file)).catch((e: unknown) => {
    throw e instanceof TiffError || e instanceof RangeError ? damaged(e) : e;
  });
  if (!preview) throw new OriginError('no_preview', `${mime} has no embedded preview we can decode; the original is stored as it is`);
  const { jpeg, width, height, orientation, ownExif } = preview;
  return {
    header: { width, height, format: 'jpeg', ...(orientation ? { orientation } : {}) },
    exifOrientation: true,
    ...(ownExif ? { exifBytes: jpeg } : {}),
    open: (opts) => sharp(jpeg, { limitInputPixels: opts.limitInputPixels ?? MAX_INPUT_PIXELS, failOn: 'truncated' }),
  };
}
