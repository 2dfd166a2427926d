/**
 * Between a share link's row and its upload settings: the columns a
 * manager's `upload` object sets (null: the link takes no uploads), and the
 * view managers get back. Upload links are collection links only.
 */
import { validationFailed } from '../api/validation.ts';
import type { ShareLinkRow } from '../sharing/share-links.service.ts';
import type { UploadSettingsInput } from './schemas.ts';

export type UploadColumns = Pick<
  ShareLinkRow,
  'allowUpload' | 'dropOnly' | 'uploadKinds' | 'maxUploadFiles' | 'maxUploadBytes' | 'maxUploadFileSize'
>;

export function uploadColumns(resourceType: 'asset' | 'collection', s: UploadSettingsInput | null): UploadColumns {
  if (s === null) {
    return { allowUpload: false, dropOnly: false, uploadKinds: 'any', maxUploadFiles: null, maxUploadBytes: null, maxUploadFileSize: null };
  }
  if (resourceType !== 'collection') {
    throw validationFailed([{ field: 'upload', code: 'collection_only', message: 'Only a collection link can take uploads.' }]);
  }
  return {
    allowUpload: true,
    dropOnly: s.dropOnly,
    uploadKinds: s.kinds,
    maxUploadFiles: s.maxFiles,
    maxUploadBytes: s.maxBytes,
    maxUploadFileSize: s.maxFileSize,
  };
}

export function uploadView(row: ShareLinkRow) {
  if (!row.allowUpload) return null;
  return {
    dropOnly: row.dropOnly,
    kinds: row.uploadKinds,
    maxFiles: row.maxUploadFiles,
    maxBytes: row.maxUploadBytes,
    maxFileSize: row.maxUploadFileSize,
    files: row.uploadFiles,
    bytes: row.uploadBytes,
  };
}
