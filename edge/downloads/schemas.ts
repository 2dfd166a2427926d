/** Request and response schemas of the ZIP download routes. */
import { z } from '@hono/zod-openapi';
import { ZIP_MAX_ASSETS } from '../../shared/tokens/index.ts';
import { uuidParam } from '../api/router.ts';

/** `original`, or one stored derivative file (`w1024.jpg`, `preview.mp4`, …): never a playlist or a folder. */
export const zipVariant = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/)
  .refine((v) => !v.includes('..') && !v.endsWith('.m3u8'), 'not a single-file variant')
  .default('original')
  .openapi({ description: '`original` (the default) or one derivative file per asset, e.g. `w1024.jpg`', example: 'original' });

const zip64 = z.enum(['auto', 'always']).default('auto').openapi({
  description: '`always` writes Zip64 records for every entry (for checking a reader); `auto` only where needed',
});

export const createDownloadSchema = z
  .strictObject({
    collectionId: uuidParam.optional(),
    assetIds: z.array(uuidParam).min(1).max(ZIP_MAX_ASSETS).optional(),
    variant: zipVariant,
    zip64,
  })
  .refine((b) => (b.collectionId === undefined) !== (b.assetIds === undefined), {
    message: 'Give either collectionId or assetIds.',
    path: ['collectionId'],
  })
  .openapi('CreateDownload');

export const downloadLinkSchema = z
  .object({
    url: z.string().openapi({ description: 'Relative URL of the archive; needs no Authorization header', example: '/api/downloads/eyJ…' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('DownloadLink');

export const archiveQuery = z.object({
  variant: zipVariant.openapi({ param: { name: 'variant', in: 'query' } }),
  zip64: zip64.openapi({ param: { name: 'zip64', in: 'query' } }),
});

/** The 200/206 answers of an archive route, for the document. */
export const zipResponses = {
  200: {
    description:
      'The archive (store method, CRC-32 in data descriptors, Zip64 where needed, UTF-8 names, MANIFEST.txt); Content-Length exact',
    content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
  },
  206: {
    description: 'A byte range of the same archive (Range, If-Range with its ETag)',
    content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
  },
  416: { description: 'The range is outside the archive' },
};
