/**
 * HEIC/HEIF (HEVC) decoding with libheif compiled to WebAssembly
 * (`libheif-js`, the wasm build with the binary inside the bundle). sharp's
 * prebuilt libvips reads HEIF containers but has no HEVC decoder; this runs
 * the same code locally and in the Lambda, needs no layer, and keeps a
 * decoder bug (libde265 has had many) inside the wasm sandbox. The choice is
 * measured in bench/heic-derivatives.ts (docs/architecture.md, "Images").
 *
 * libheif applies the container's transformations (`irot`, `imir`, `clap`)
 * while decoding, and the primary image is the one shown: both as Apple's
 * Photos does. EXIF Orientation inside a HEIF is informative only (the spec
 * says `irot` governs), so it is never applied on top.
 *
 * The size is read from the container's image handle (its `ispe`, after the
 * transformations) before a single pixel is decoded: a pixel bomb is refused
 * from the header, as for every other image.
 */
import { MAX_INPUT_PIXELS } from '../../shared/profiles/image.ts';
import { OriginError } from '../core/errors.ts';

/** What `libheif-js/wasm-bundle` exports (it ships no types for this entry). */
interface HeifImage {
  get_width(): number;
  get_height(): number;
  is_primary(): boolean;
  has_alpha_channel(): boolean;
  display(target: { data: Uint8ClampedArray; width: number; height: number }, done: (out: unknown) => void): void;
  free(): void;
}
interface HeifDecoder {
  decoder: number | null;
  decode(data: Uint8Array): HeifImage[];
}
interface LibHeif {
  HeifDecoder: new () => HeifDecoder;
  heif_context_free(ctx: number): void;
}

let loaded: Promise<LibHeif> | undefined;
/**
 * Loaded on first use: the module is ~2 MB of JavaScript with the wasm inside, needed only for
 * HEIF originals. A literal import() is what esbuild follows, so the Lambda bundle carries it.
 */
function libheif(): Promise<LibHeif> {
  loaded ??= import('libheif-js/wasm-bundle').then((m) => ((m as { default?: LibHeif }).default ?? m) as LibHeif);
  return loaded;
}

export interface DecodedHeif {
  /** RGBA, 8 bits per channel, rows top to bottom, already turned as `irot`/`imir` say. */
  data: Buffer;
  width: number;
  height: number;
  channels: 4;
  hasAlpha: boolean;
}

/** Decodes the primary image of a HEIF file's bytes. */
export async function decodeHeif(bytes: Uint8Array, maxPixels = MAX_INPUT_PIXELS): Promise<DecodedHeif> {
  const lib = await libheif();
  const decoder = new lib.HeifDecoder();
  const images = decoder.decode(bytes);
  try {
    // libheif-js logs and returns [] for anything it cannot parse.
    const image = images.find((i) => i.is_primary()) ?? images[0];
    if (!image) throw new OriginError('corrupt', 'HEIF container has no decodable image');
    const width = image.get_width();
    const height = image.get_height();
    if (!width || !height) throw new OriginError('corrupt', 'HEIF image has no dimensions');
    if (width * height > maxPixels) {
      throw new OriginError('pixel_limit', `${width}x${height} (${width * height} pixels) exceeds the limit of ${maxPixels}`);
    }
    const target = { data: new Uint8ClampedArray(width * height * 4), width, height };
    const out = await new Promise<unknown>((resolve) => image.display(target, resolve));
    if (!out) throw new OriginError('corrupt', 'HEIF image does not decode');
    return {
      data: Buffer.from(target.data.buffer, target.data.byteOffset, target.data.byteLength),
      width,
      height,
      channels: 4,
      hasAlpha: image.has_alpha_channel(),
    };
  } finally {
    for (const i of images) i.free();
    // The context holds the whole file in wasm memory: release it now, not on the next decode.
    if (decoder.decoder) lib.heif_context_free(decoder.decoder);
    decoder.decoder = null;
  }
}
