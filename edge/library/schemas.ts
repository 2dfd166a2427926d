/**
 * The library API's zod schemas: they validate requests and describe
 * requests and responses in `/api/openapi.json`. Bodies are strict (an
 * unknown field is a 400 naming it); query strings ignore unknown
 * parameters (cache busters) but check every known one.
 */
import { z } from '@hono/zod-openapi';
import { permissions } from '../../shared/policy/access.ts';
import { uuidParam } from '../api/router.ts';
import { safeText } from '../api/text.ts';
import { ASSET_TYPES } from './asset-type.ts';

/** Longest reorder (and so the largest collection): 1000 ids fit the 64 KiB body limit. */
export const MAX_COLLECTION_ITEMS = 1000;
export const MAX_TAGS_PER_ASSET = 50;

// Safe text (../api/text.ts); descriptions may hold line breaks and tabs.
const title = safeText({ max: 200, trim: true });
const description = safeText({ max: 5000, multiline: true });
const tagName = safeText({ min: 1, max: 64, trim: true });
const visibilityEnum = z.enum(['private', 'public']);
const statusEnum = z.enum(['pending', 'uploaded', 'processing', 'ready', 'failed', 'blocked']);
const permissionEnum = z.enum(permissions);

// ---- query strings ----

const pageQuery = {
  cursor: z.string().min(1).max(512).optional().openapi({ description: 'Opaque cursor from the previous page (`nextCursor`).' }),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ type: 'integer', minimum: 1, maximum: 100, default: 50 }),
};
const scope = z.enum(['mine', 'shared', 'all']).default('mine').openapi({
  description:
    '`mine`: owned by the caller; `shared`: not owned but visible to the caller (grants, groups, orgs, collections, public); `all`: both.',
});

export const pageQuerySchema = z.object(pageQuery);

export const assetListQuerySchema = z.object({
  ...pageQuery,
  type: z.enum(ASSET_TYPES).optional(),
  tag: tagName.optional(),
  collectionId: uuidParam.optional(),
  status: statusEnum.optional(),
  scope,
  order: z.enum(['created', 'taken']).default('created').openapi({
    description: '`created`: newest upload first; `taken`: the timeline, newest `takenAt` first (EXIF date taken, else the upload date).',
  }),
  takenBefore: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'With `order=taken`: start at the assets taken before this instant (jump to a month in one request).' }),
});

/** The filters of `GET /api/assets` (not its paging): the timeline's buckets count what that list would show. */
export const timelineQuerySchema = z.object({
  type: z.enum(ASSET_TYPES).optional(),
  tag: tagName.optional(),
  collectionId: uuidParam.optional(),
  status: statusEnum.optional(),
  scope,
});

export const collectionListQuerySchema = z.object({ ...pageQuery, scope });

export const searchQuerySchema = z.object({
  q: safeText({ min: 1, max: 200, trim: true }).openapi({ description: 'Web-search syntax: words, "phrases", -excluded, or.' }),
  ...pageQuery,
});

export const idParams = z.object({ id: uuidParam });
export const itemParams = z.object({ id: uuidParam, assetId: uuidParam });

// ---- bodies ----

const atLeastOne = (o: Record<string, unknown>) => Object.values(o).some((v) => v !== undefined);

export const assetPatchSchema = z
  .strictObject({
    title: title.nullable().optional(),
    description: description.nullable().optional(),
    visibility: visibilityEnum.optional().openapi({ description: 'Needs the manage permission.' }),
  })
  .refine(atLeastOne, { message: 'name at least one field' })
  .openapi('AssetPatch');

export const tagsBodySchema = z
  .strictObject({
    tags: z.array(tagName).max(MAX_TAGS_PER_ASSET),
  })
  .openapi('AssetTags');

export const collectionCreateSchema = z
  .strictObject({
    name: safeText({ min: 1, max: 200, trim: true }),
    description: description.nullable().optional(),
    visibility: visibilityEnum.optional(),
  })
  .openapi('CollectionCreate');

export const collectionPatchSchema = z
  .strictObject({
    name: safeText({ min: 1, max: 200, trim: true }).optional(),
    description: description.nullable().optional(),
    visibility: visibilityEnum.optional().openapi({ description: 'Needs the manage permission.' }),
  })
  .refine(atLeastOne, { message: 'name at least one field' })
  .openapi('CollectionPatch');

export const itemAddSchema = z
  .strictObject({
    assetId: uuidParam,
    position: z
      .number()
      .int()
      .min(0)
      .max(MAX_COLLECTION_ITEMS)
      .optional()
      .openapi({ description: '0-based; omitted or past the end appends.' }),
  })
  .openapi('CollectionItemAdd');

export const reorderSchema = z
  .strictObject({
    assetIds: z.array(uuidParam).max(MAX_COLLECTION_ITEMS).openapi({
      description: 'Every item the caller can see, each once, in the new order. Items hidden from the caller keep their order after them.',
    }),
  })
  .openapi('CollectionReorder');

// ---- responses ----

export const mediaUrlSchema = z
  .object({ variant: z.string(), url: z.string(), expiresAt: z.string() })
  .openapi('MediaUrl', { description: 'A signed `/m/...` URL; no Authorization header needed until `expiresAt`.' });

export const assetSummarySchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    filename: z.string(),
    title: z.string().nullable(),
    type: z.enum(ASSET_TYPES),
    contentType: z.string(),
    size: z.number(),
    status: statusEnum,
    visibility: visibilityEnum,
    placeholder: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    takenAt: z.string().openapi({ description: 'When the photo was taken (EXIF, wall clock read as UTC), else `createdAt`.' }),
    width: z.number().nullable().openapi({ description: 'Upright pixel width of the original, when known.' }),
    height: z.number().nullable(),
    // A union, not .nullable(): zod-to-openapi drops null from a nullable registered schema (the document said non-null).
    thumbnail: z.union([mediaUrlSchema, z.null()]),
  })
  .openapi('AssetSummary');

export const trashItemSchema = assetSummarySchema.extend({ deletedAt: z.string(), purgeAfter: z.string().nullable() }).openapi('TrashItem');

export const searchHitSchema = assetSummarySchema.extend({ rank: z.number() }).openapi('SearchHit');

export const derivativeSchema = z
  .object({
    kind: z.string(),
    contentType: z.string(),
    width: z.number().nullable(),
    height: z.number().nullable(),
    size: z.number().nullable(),
    status: z.string(),
  })
  .openapi('Derivative');

/** Left out for anonymous callers: a public asset or collection does not say who owns it. */
const ownerIdIfSignedIn = z.string().optional().openapi({ description: 'The owner; absent for anonymous callers' });

export const assetDetailSchema = assetSummarySchema
  .extend({
    ownerId: ownerIdIfSignedIn,
    orgId: z.string().nullable(),
    description: z.string().nullable(),
    declaredType: z.string(),
    detectedType: z.string().nullable(),
    typeMismatch: z.union([z.object({ declared: z.string(), detected: z.string() }), z.null()]).openapi({
      description:
        'The declared and the detected type when they disagree (media is served by the detected one); manage holders only, else null.',
    }),
    sha256: z.string().nullable(),
    statusReason: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    deletedAt: z.string().nullable(),
    purgeAfter: z.string().nullable(),
    permission: permissionEnum,
    droppedBy: z.object({ linkId: z.string(), name: z.string(), note: z.string().nullable() }).nullable().openapi({
      description: 'Added through an upload link: the link and the name and note the uploader gave (manage holders only, else null).',
    }),
    derivatives: z.array(derivativeSchema),
    media: z.array(mediaUrlSchema),
    playable: z.boolean().openapi({
      description:
        'A video can be played now: `progressive.mp4` or `hls/master.m3u8` is ready. True while `status` is still `processing` (the rest of the ladder is being made); `status` becomes `ready` when every rendition exists.',
    }),
  })
  .openapi('Asset');

export const collectionSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    visibility: visibilityEnum,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Collection');

export const collectionListItemSchema = collectionSchema
  .extend({ permission: permissionEnum.openapi({ description: "The caller's permission: edit or more may add and order items." }) })
  .openapi('CollectionListItem');

export const collectionItemSchema = assetSummarySchema
  .extend({ ownerId: ownerIdIfSignedIn, position: z.number() })
  .openapi('CollectionItem');

export const collectionDetailSchema = collectionSchema
  .extend({
    ownerId: ownerIdIfSignedIn,
    permission: permissionEnum,
    items: z.array(collectionItemSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi('CollectionWithItems');

export const tagSchema = z.object({ id: z.string(), name: z.string(), count: z.number() }).openapi('Tag');

export const timelineSchema = z
  .object({
    buckets: z.array(z.object({ month: z.string().openapi({ example: '2024-05' }), count: z.number() })),
    total: z.number(),
  })
  .openapi('Timeline', { description: 'Months (UTC, by `takenAt`) newest first, with how many assets the list would show in each.' });

/** Most assets one bulk request names (its body stays well under the API body limit). */
export const MAX_BULK_ASSETS = 500;

const bulkIds = z
  .array(uuidParam)
  .min(1)
  .max(MAX_BULK_ASSETS)
  .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, { message: 'name each asset once' });

export const bulkBodySchema = z
  .discriminatedUnion('action', [
    z.strictObject({ action: z.enum(['trash', 'restore']), assetIds: bulkIds }),
    z.strictObject({ action: z.enum(['tag', 'untag']), assetIds: bulkIds, tags: z.array(tagName).min(1).max(MAX_TAGS_PER_ASSET) }),
    z.strictObject({ action: z.literal('add-to-collection'), assetIds: bulkIds, collectionId: uuidParam }),
  ])
  .openapi('BulkRequest');

export const bulkResultSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        ok: z.boolean(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
    succeeded: z.number(),
    failed: z.number(),
  })
  .openapi('BulkResult', { description: 'Per item, in request order: refused items changed nothing; the others were written together.' });

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export type AssetSummary = z.infer<typeof assetSummarySchema>;
export type AssetDetail = z.infer<typeof assetDetailSchema>;
export type CollectionView = z.infer<typeof collectionSchema>;
