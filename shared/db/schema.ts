/**
 * The whole data model of the design (DESIGN.md, "Data model"), as a drizzle
 * schema. Migrations in ./migrations are generated from this file by
 * `npm run db:generate` and applied by `npm run migrate`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const id = () => uuid('id').primaryKey().defaultRandom();

export const orgRole = pgEnum('org_role', ['owner', 'admin', 'member']);
export const assetStatus = pgEnum('asset_status', ['pending', 'uploaded', 'processing', 'ready', 'failed', 'blocked']);
export const visibility = pgEnum('visibility', ['private', 'public']);
export const derivativeStatus = pgEnum('derivative_status', ['pending', 'ready', 'failed']);
export const resourceType = pgEnum('resource_type', ['asset', 'collection']);
export const principalType = pgEnum('principal_type', ['user', 'group', 'org']);
/** Ordered: view < download < edit < manage (the enum order is the rank). */
export const permission = pgEnum('permission', ['view', 'download', 'edit', 'manage']);
export const uploadStatus = pgEnum('upload_status', ['active', 'completed', 'aborted']);
export const invitationStatus = pgEnum('invitation_status', ['pending', 'accepted', 'declined', 'revoked']);
export const jobStatus = pgEnum('job_status', ['queued', 'processing', 'succeeded', 'failed']);
/** What an upload ("file drop") link accepts: any file, or only images or only videos (by declared type). */
export const dropKinds = pgEnum('drop_kinds', ['any', 'images', 'videos']);

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('users_email_lower_uq').on(sql`lower(${t.email})`)],
);

export const orgs = pgTable(
  'orgs',
  {
    id: id(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    /** Default and maximum life of share links created in this org, in seconds. */
    shareLinkDefaultTtl: integer('share_link_default_ttl')
      .notNull()
      .default(7 * 86400),
    shareLinkMaxTtl: integer('share_link_max_ttl')
      .notNull()
      .default(90 * 86400),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('orgs_slug_uq').on(t.slug)],
);

export const orgMembers = pgTable(
  'org_members',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: orgRole('role').notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user_idx').on(t.userId)],
);

export const groups = pgTable(
  'groups',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('groups_org_name_uq').on(t.orgId, t.name)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user_idx').on(t.userId)],
);

/**
 * Invitations to an org: membership needs the invitee's consent. An admin
 * invites an email address (stored lower-case); the account with that email
 * sees the invitation and accepts or declines it. The inviter is never told
 * whether the address is registered.
 */
export const orgInvitations = pgTable(
  'org_invitations',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: orgRole('role').notNull().default('member'),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    status: invitationStatus('status').notNull().default('pending'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('org_invitations_pending_uq').on(t.orgId, t.email).where(sql`${t.status} = 'pending'`),
    index('org_invitations_email_idx').on(t.email),
  ],
);

export const assets = pgTable(
  'assets',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    orgId: uuid('org_id').references(() => orgs.id),
    filename: text('filename').notNull(),
    title: text('title'),
    description: text('description'),
    declaredType: text('declared_type').notNull(),
    detectedType: text('detected_type'),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256'),
    status: assetStatus('status').notNull().default('pending'),
    statusReason: text('status_reason'),
    visibility: visibility('visibility').notNull().default('private'),
    /**
     * Who made the asset public. Public visibility is a path to the asset like
     * a grant: it counts only while this person may still share the asset
     * (shared/policy/access.ts). Null while private.
     */
    visibilitySetBy: uuid('visibility_set_by').references(() => users.id),
    /** The ETag and version id of the original the pipeline checked; another version is not served unchecked. */
    ingestedEtag: text('ingested_etag'),
    ingestedVersionId: text('ingested_version_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** A tiny image placeholder (ThumbHash, base64) shown while thumbnails load; kept out of search. */
    placeholder: text('placeholder'),
    /** Tag names joined by spaces, kept in step by the tag code so search can see them. */
    tagsText: text('tags_text').notNull().default(''),
    /**
     * Postgres's parser reads a file name as one host/file token
     * (`IMG_2041.jpg`, `sunset-beach.png`), so the name also goes in with
     * `.` and `_` as spaces (the parser then splits hyphenated words itself,
     * which keeps "sunset-beach" and "IMG-2041" matching as typed) and with
     * `. _ -` and spaces all as separators (plain parts: `2041`, not `-2041`).
     */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql`setweight(to_tsvector('simple', coalesce(title, '') || ' ' || filename)
          || to_tsvector('simple', translate(filename, '._', '  '))
          || to_tsvector('simple', regexp_replace(filename, '[._[:space:]-]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('english', coalesce(description, '')), 'B')
        || setweight(to_tsvector('simple', tags_text), 'B')
        || setweight(jsonb_to_tsvector('simple', metadata, '["string"]'), 'C')`,
    ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    purgeAfter: timestamp('purge_after', { withTimezone: true }),
    /**
     * When the photo was taken: EXIF `metadata.takenAt` (the camera's wall
     * clock, stored as if UTC: EXIF has no time zone), else `created_at`. Kept
     * by a trigger on insert and on changes to `metadata` (migration 0008), so
     * ingest and direct inserts agree. The timeline's order and buckets.
     */
    takenAt: timestamp('taken_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    /** The timeline (`GET /api/assets?order=taken`, `GET /api/assets/timeline`): keyset over (taken_at desc, id). */
    index('assets_owner_taken_idx').on(t.ownerId, t.takenAt.desc(), t.id),
    index('assets_taken_idx').on(t.takenAt.desc(), t.id),
    index('assets_owner_created_idx').on(t.ownerId, t.createdAt.desc(), t.id),
    /** Lists across owners (`GET /api/assets?scope=all|shared`) walk this, newest first. */
    index('assets_created_idx').on(t.createdAt.desc(), t.id),
    index('assets_org_idx').on(t.orgId),
    index('assets_owner_sha_idx').on(t.ownerId, t.sha256),
    index('assets_search_idx').using('gin', t.searchVector),
    index('assets_purge_idx').on(t.purgeAfter).where(sql`${t.deletedAt} is not null`),
  ],
);

export const derivatives = pgTable(
  'derivatives',
  {
    id: id(),
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    /** The variant name as it appears in media URLs: `w640.webp`, `hls/720p/seg_001.ts`. */
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width'),
    height: integer('height'),
    size: bigint('size', { mode: 'number' }),
    status: derivativeStatus('status').notNull().default('pending'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('derivatives_asset_kind_uq').on(t.assetId, t.kind)],
);

export const collections = pgTable(
  'collections',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    orgId: uuid('org_id').references(() => orgs.id),
    name: text('name').notNull(),
    description: text('description'),
    visibility: visibility('visibility').notNull().default('private'),
    /** Who made the collection public; counts only while they may still share it. Null while private. */
    visibilitySetBy: uuid('visibility_set_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('collections_owner_idx').on(t.ownerId)],
);

export const collectionItems = pgTable(
  'collection_items',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Who put the asset here. The collection's grants and links reach the
     * asset only while this person may share it (holds manage on it); null
     * (an item from before this was recorded, not added by the owner) never.
     */
    addedBy: uuid('added_by').references(() => users.id),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.assetId] }),
    index('collection_items_order_idx').on(t.collectionId, t.position),
    index('collection_items_asset_idx').on(t.assetId),
  ],
);

export const tags = pgTable(
  'tags',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tags_owner_name_uq').on(t.ownerId, sql`lower(${t.name})`)],
);

export const assetTags = pgTable(
  'asset_tags',
  {
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    tagId: uuid('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.assetId, t.tagId] }), index('asset_tags_tag_idx').on(t.tagId)],
);

/**
 * Subtitles attached to a video (edge/subtitles/): one per language. Their
 * files live at `derivatives/{assetId}/hls/subs/{stem}.vtt|.m3u8`
 * (shared/profiles/subtitles.ts); the edge lists them in the master playlist it serves.
 */
export const assetSubtitles = pgTable(
  'asset_subtitles',
  {
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    /** The file-name stem: the language tag in lower case (`pt-br`). */
    stem: text('stem').notNull(),
    /** The canonical BCP 47 tag (`pt-BR`). */
    language: text('language').notNull(),
    label: text('label').notNull(),
    cues: integer('cues').notNull(),
    /** Bytes of the stored WebVTT. */
    size: integer('size').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.assetId, t.stem] })],
);

export const grants = pgTable(
  'grants',
  {
    id: id(),
    resourceType: resourceType('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    principalType: principalType('principal_type').notNull(),
    principalId: uuid('principal_id').notNull(),
    permission: permission('permission').notNull(),
    grantedBy: uuid('granted_by').references(() => users.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('grants_resource_principal_uq').on(t.resourceType, t.resourceId, t.principalType, t.principalId),
    index('grants_principal_idx').on(t.principalType, t.principalId),
  ],
);

export const shareLinks = pgTable(
  'share_links',
  {
    id: id(),
    resourceType: resourceType('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    permission: permission('permission').notNull().default('view'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Salted slow hash; null when the link has no password. */
    passwordHash: text('password_hash'),
    allowDownload: boolean('allow_download').notNull().default(true),
    maxDownloads: integer('max_downloads'),
    downloadCount: integer('download_count').notNull().default(0),
    viewCount: integer('view_count').notNull().default(0),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /**
     * Upload ("file drop") links, collections only: holders may add files
     * (owned by the creator) within the caps below. `dropOnly` links give no
     * right on any existing item, nor on the collection itself.
     */
    allowUpload: boolean('allow_upload').notNull().default(false),
    dropOnly: boolean('drop_only').notNull().default(false),
    uploadKinds: dropKinds('upload_kinds').notNull().default('any'),
    maxUploadFiles: integer('max_upload_files'),
    maxUploadBytes: bigint('max_upload_bytes', { mode: 'number' }),
    maxUploadFileSize: bigint('max_upload_file_size', { mode: 'number' }),
    /** Reserved before any upload is signed (one conditional update), so the caps hold under races. */
    uploadFiles: integer('upload_files').notNull().default(0),
    uploadBytes: bigint('upload_bytes', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('share_links_resource_idx').on(t.resourceType, t.resourceId)],
);

/** Files added through an upload link: which link, and the name and note the uploader gave. */
export const linkUploads = pgTable(
  'link_uploads',
  {
    assetId: uuid('asset_id')
      .primaryKey()
      .references(() => assets.id, { onDelete: 'cascade' }),
    linkId: uuid('link_id')
      .notNull()
      .references(() => shareLinks.id, { onDelete: 'cascade' }),
    uploaderName: text('uploader_name').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [index('link_uploads_link_idx').on(t.linkId)],
);

export const uploads = pgTable(
  'uploads',
  {
    id: id(),
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    /** The S3 multipart UploadId; null for a single presigned PUT. */
    s3UploadId: text('s3_upload_id'),
    partSize: integer('part_size'),
    status: uploadStatus('status').notNull().default('active'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('uploads_s3_upload_id_uq').on(t.s3UploadId),
    index('uploads_user_idx').on(t.userId),
    index('uploads_active_expiry_idx').on(t.expiresAt).where(sql`${t.status} = 'active'`),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: id(),
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    status: jobStatus('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    /** The id a remote service gave the job (a MediaConvert job id). */
    externalId: text('external_id'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('jobs_asset_type_uq').on(t.assetId, t.type),
    index('jobs_status_idx').on(t.status, t.updatedAt),
    index('jobs_external_idx').on(t.externalId),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    resourceType: text('resource_type'),
    resourceId: uuid('resource_id'),
    ip: text('ip'),
    requestId: text('request_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_resource_idx').on(t.resourceId, t.at), index('audit_log_actor_idx').on(t.actorId, t.at)],
);

/**
 * Refresh tokens: opaque random values sent in an httpOnly cookie, stored only
 * as a SHA-256 hash. Each login starts a family; every refresh rotates the
 * token (the old row gets `used_at` and `replaced_by`). Presenting a used or
 * revoked token again revokes the whole family (token theft detection).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The login session; the access token's `sid`. */
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    replacedBy: uuid('replaced_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_uq').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

/**
 * Fixed-window counters for attempt limits that must hold across isolates and
 * restarts (failed logins per account and per client address). `key` names
 * the subject, e.g. `login:acct:<sha256(email)>` or `login:ip:<addr>`.
 */
export const rateCounters = pgTable('rate_counters', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull().default(0),
});

/**
 * A user's TOTP second factor (edge/auth/totp/). `secretSealed` is the
 * RFC 6238 key sealed with AES-256-GCM (edge/auth/totp/secret-box.ts), bound
 * to the user id; it is never stored in clear. A row with `confirmedAt` null
 * is an enrolment that has not been confirmed by a code yet and does not
 * protect the account. `lastUsedStep` is the time step of the last accepted
 * code: a code is accepted only for a later step (one atomic update), so a
 * code cannot be replayed within its window.
 */
export const userTotp = pgTable('user_totp', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  createdAt: createdAt(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
});

/** Single-use recovery codes of the TOTP factor, stored only as SHA-256. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: createdAt(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('recovery_codes_user_hash_uq').on(t.userId, t.codeHash)],
);

/**
 * Scoped API keys (edge/auth/api-keys/). The secret is shown once; the row
 * keeps a public `prefix` (to find the row and to show the user which key
 * is which) and the SHA-256 of the whole key. `scopes` is a subset of
 * `assets:read`, `assets:write`, `uploads`, `sharing`.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix), index('api_keys_user_idx').on(t.userId)],
);

/**
 * Passkeys (WebAuthn credentials, edge/auth/passkeys/). `credentialId` is the
 * authenticator's credential id in base64url (unique across all users: an
 * assertion names its credential, and through it its user); `publicKey` is
 * the COSE public key as the authenticator gave it. `counter` is the last
 * signature counter seen (0 for authenticators that do not count, as
 * synced passkeys do). `backedUp` / `deviceType` are what the authenticator
 * reported (a synced, multi-device passkey or one bound to a device).
 */
export const passkeys = pgTable(
  'passkeys',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    credentialId: text('credential_id').notNull(),
    /** The COSE public key bytes, base64url (text: the same value through every driver here). */
    publicKey: text('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: text('transports').array().notNull().default(sql`'{}'::text[]`),
    name: text('name').notNull(),
    deviceType: text('device_type').notNull(),
    backedUp: boolean('backed_up').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('passkeys_credential_id_uq').on(t.credentialId), index('passkeys_user_idx').on(t.userId)],
);

/**
 * WebAuthn challenges, stored server-side and used once: an options request
 * inserts one (random 32 bytes, base64url, the lookup key), a verify
 * consumes it in one update (`consumed_at` set only while null and before
 * `expires_at`), whether the response then verifies or not. `purpose` binds
 * it to registration, sign-in or a login's second step; `userId` binds a
 * registration or second-step challenge to its user (null for a
 * discoverable sign-in, where the user is not known yet).
 */
export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    challenge: text('challenge').primaryKey(),
    purpose: text('purpose').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [index('webauthn_challenges_expires_idx').on(t.expiresAt)],
);

/**
 * Webhook endpoints (edge/webhooks/, origin/webhooks/). The signing secret
 * (`whsec_…`, Standard Webhooks) must be readable by the origin's dispatcher,
 * so it is sealed with AES-256-GCM under WEBHOOK_SECRET_KEY, bound to the
 * endpoint id (shared/webhooks/secret-box.ts). After a rotation the previous
 * secret keeps signing beside the new one until `previousSecretExpiresAt`.
 * A disabled endpoint gets no new deliveries; `disabledReason` says why.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    eventTypes: text('event_types').array().notNull(),
    description: text('description').notNull().default(''),
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_user_idx').on(t.userId)],
);

/**
 * The webhook outbox and delivery log: one row per (event, endpoint), written
 * in the same transaction or statement as the change it reports
 * (shared/webhooks/outbox.ts), so no event is lost and none reports a change
 * that rolled back. `messageId` is the `webhook-id` (the same on every
 * attempt). `nextAttemptAt` is set while the delivery is pending (and pushed
 * forward while a dispatcher holds it); null once delivered or failed.
 * `payload` is the exact JSON body that is signed and sent.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.nextAttemptAt} is not null`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt.desc()),
  ],
);
