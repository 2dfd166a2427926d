/**
 * Types browsers do not know. A camera RAW picked in Chrome or Firefox on
 * Linux and Windows usually comes with an empty type, which Uppy sends as
 * `application/octet-stream`; an upload link that takes images only would
 * refuse it (edge/drops/drop-gate.ts checks the declared type; the pipeline
 * then checks the bytes). The same list as shared/profiles/image.ts
 * RAW_TYPES (test/unit/web-file-types.test.ts keeps them equal).
 */
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

/** The type to declare for a file: the browser's, else the RAW type its extension names, else none (Uppy's default). */
export function declaredType(name: string | undefined, browserType: string | undefined): string | undefined {
  if (browserType && browserType !== 'application/octet-stream') return browserType;
  const ext = /\.([a-z0-9]+)$/i.exec(name ?? '')?.[1]?.toLowerCase();
  return (ext && RAW_EXTENSION_TYPES[ext]) || browserType;
}

/** Uppy's `allowedFileTypes` for a link that takes images: image/* and the RAW extensions a browser may not type. */
export const IMAGE_FILE_TYPES = ['image/*', ...Object.keys(RAW_EXTENSION_TYPES).map((e) => `.${e}`)];
