/**
 * From a verified original to the files to store, by kind: decodable images
 * through sharp (every width, WebP and JPEG; HEIC through libheif first,
 * camera RAW as its embedded JPEG, or its icon when it has none),
 * audio through ffmpeg (waveform and an AAC preview), PDFs through pdftoppm
 * (first page) or the document icon, everything else its category's type
 * icon. Where an image, audio file or PDF gets only the icon, `known.note`
 * says why (`no_preview: …`), and the asset's `status_reason` carries it.
 * Video never comes here (it is handed to the transcoder). Then the upload of
 * the results under deterministic keys, so a retry overwrites, never adds.
 */
import path from 'node:path';
import { MAX_AUDIO_BYTES } from '../../shared/profiles/audio.ts';
import { DECODABLE_IMAGE_TYPES, MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES, RAW_TYPES } from '../../shared/profiles/image.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import { deriveAudio } from '../processing/audio.ts';
import { derivePdf } from '../processing/document.ts';
import { OriginError, describeError, isOriginError } from '../core/errors.ts';
import { renderIcon } from '../processing/icons.ts';
import { deriveImage, type Rendition } from '../processing/image.ts';
import { endMarker, type Sniffed } from '../processing/sniff.ts';
import type { Logger, PipelineDeps } from '../core/deps.ts';
import type { FetchedOriginal } from './fetch-original.ts';
import type { Outcome, StoredDerivative } from './ingest-store.ts';

/** Whether making derivatives of this original needs a local copy of it. */
export function needsLocalFile(s: Sniffed, size: number): boolean {
  if (s.kind === 'image') return DECODABLE_IMAGE_TYPES.has(s.mime) && size <= MAX_IMAGE_BYTES;
  if (s.kind === 'document') return size <= MAX_DOCUMENT_BYTES;
  if (s.kind === 'audio') return size <= MAX_AUDIO_BYTES;
  return false;
}

/** The renditions of an original; facts learnt on the way (metadata, placeholder) go into `known`. */
export async function deriveByKind(original: FetchedOriginal, known: Outcome, log: Logger): Promise<Rendition[]> {
  const { sniffed, file } = original;
  const marker = endMarker(sniffed.mime, original.tail);
  if (sniffed.kind === 'image' && DECODABLE_IMAGE_TYPES.has(sniffed.mime)) {
    if (!file && RAW_TYPES.has(sniffed.mime)) {
      // A RAW is a camera's original, not a damaged upload: past the limit it is kept with its icon, as before RAWs had previews.
      known.note = `no_preview: ${sniffed.mime} of ${original.size} bytes exceeds ${MAX_IMAGE_BYTES}; the original is stored as it is`;
      return [await renderIcon(sniffed.category)];
    }
    if (!file) throw new OriginError('too_large', `${sniffed.mime} of ${original.size} bytes exceeds ${MAX_IMAGE_BYTES}`);
    const image = await deriveImage(file, sniffed.mime, { endMarker: marker }).catch((e: unknown) => {
      // A camera RAW without an embedded preview: stored as it is, with its icon and the reason.
      if (isOriginError(e, 'no_preview')) return describeError(e);
      throw e;
    });
    if (typeof image === 'string') {
      known.note = image;
      return [await renderIcon(sniffed.category)];
    }
    Object.assign(known, { placeholder: image.placeholder, metadata: image.metadata, ...(image.note ? { note: image.note } : {}) });
    return image.renditions;
  }
  if (sniffed.kind === 'image') {
    known.note = `no_preview: ${sniffed.mime} has no decoder here; the original is stored as it is`;
    return [await renderIcon(sniffed.category)];
  }
  if (sniffed.kind === 'audio') {
    if (!file) {
      known.note = `no_preview: audio of ${original.size} bytes exceeds ${MAX_AUDIO_BYTES}; the original is stored as it is`;
      return [await renderIcon('audio')];
    }
    const audio = await deriveAudio(file, { scratchDir: path.dirname(file) });
    Object.assign(known, { metadata: audio.metadata, ...(audio.note ? { note: audio.note } : {}) });
    return audio.renditions;
  }
  if (sniffed.kind === 'document') {
    if (marker === 'missing') throw new OriginError('truncated', 'PDF has no %%EOF marker at its end');
    if (file) {
      const doc = await derivePdf(file, { scratchDir: path.dirname(file) });
      if (doc.note) log.info('ingest: no PDF preview', { note: doc.note });
      Object.assign(known, {
        metadata: doc.metadata,
        ...(doc.placeholder ? { placeholder: doc.placeholder } : {}),
        ...(doc.note ? { note: `no_preview: ${doc.note}` } : {}),
      });
      return doc.renditions;
    }
    known.note = `no_preview: PDF of ${original.size} bytes exceeds ${MAX_DOCUMENT_BYTES}`;
  }
  return [await renderIcon(sniffed.category)];
}

/** Writes each rendition to `{assetId}/{variant}` in the derivatives bucket. */
export async function uploadRenditions(deps: PipelineDeps, assetId: string, renditions: Rendition[]): Promise<StoredDerivative[]> {
  return Promise.all(
    renditions.map(async (r) => {
      const key = derivativeKey(assetId, r.variant);
      // Small, in-memory bodies: replayable, so the client may retry them.
      await deps.storage.put(deps.buckets.derivatives, key, r.data as Uint8Array<ArrayBuffer>, {
        contentType: r.contentType,
        contentLength: r.data.length,
      });
      return { kind: r.variant, key, contentType: r.contentType, width: r.width, height: r.height, size: r.data.length };
    }),
  );
}
