/**
 * Types browsers do not know. A camera RAW picked in Chrome or Firefox on
 * Linux and Windows usually comes with an empty type, which Uppy sends as
 * `application/octet-stream`; an upload link that takes images only would
 * refuse it (edge/drops/drop-gate.ts checks the declared type; the pipeline
 * then checks the bytes). The list is the pipeline's (shared/profiles/image.ts).
 */
import { RAW_EXTENSION_TYPES } from '../../../shared/profiles/image.ts';

/** The type to declare for a file: the browser's, else the RAW type its extension names, else none (Uppy's default). */
export function declaredType(name: string | undefined, browserType: string | undefined): string | undefined {
  if (browserType && browserType !== 'application/octet-stream') return browserType;
  const ext = /\.([a-z0-9]+)$/i.exec(name ?? '')?.[1]?.toLowerCase();
  return (ext && RAW_EXTENSION_TYPES[ext]) || browserType;
}

/** Uppy's `allowedFileTypes` for a link that takes images: image/* and the RAW extensions a browser may not type. */
export const IMAGE_FILE_TYPES = ['image/*', ...Object.keys(RAW_EXTENSION_TYPES).map((e) => `.${e}`)];
