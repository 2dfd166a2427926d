/**
 * zod pieces shared by the sharing routes (orgs, groups, grants, share links,
 * audit). Bodies are strict objects: an unknown field is a validation error,
 * not silently ignored.
 */
import { z } from '@hono/zod-openapi';
import { permissions } from '../../shared/policy/access.ts';
import { uuidParam } from '../api/router.ts';
import { safeText } from '../api/text.ts';
import { dropInfoSchema, uploadSettingsView } from '../drops/schemas.ts';

export const resourceTypeSchema = z.enum(['asset', 'collection']).openapi({ description: 'What a grant or link is on.' });
export const principalTypeSchema = z.enum(['user', 'group', 'org']);
export const permissionSchema = z.enum(permissions).openapi({ description: 'view < download < edit < manage' });
export const orgRoleSchema = z.enum(['owner', 'admin', 'member']);

/** An ISO 8601 instant with an offset (`2030-01-01T00:00:00Z`). */
export const instantSchema = z.iso.datetime({ offset: true }).openapi({ format: 'date-time' });

/** A name shown to people: trimmed, 1-100 characters of safe text (../api/text.ts). */
export const displayName = safeText({ min: 1, max: 100, trim: true });

export const idParams = z.object({ id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }) });
export const idAndUserParams = z.object({
  id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }),
  userId: uuidParam.openapi({ param: { name: 'userId', in: 'path' } }),
});

/** `?resourceType=&resourceId=`: the resource whose grants, links or audit rows are listed. */
export const resourceQuery = z.object({
  resourceType: resourceTypeSchema.openapi({ param: { name: 'resourceType', in: 'query' } }),
  resourceId: uuidParam.openapi({ param: { name: 'resourceId', in: 'query' } }),
});

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d === null ? null : d.toISOString());

// Response bodies: the handlers answer these, and the services' view types are inferred from them.

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    action: z.string().openapi({ example: 'share.open' }),
    actor: z
      .object({ id: z.uuid(), name: z.string().nullable().openapi({ description: 'null: someone the caller shares no org with' }) })
      .nullable()
      .openapi({ description: 'null: a link holder or the system' }),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const grantSchema = z
  .object({
    id: z.uuid(),
    resourceType: resourceTypeSchema,
    resourceId: z.uuid(),
    principalType: principalTypeSchema,
    principalId: z.uuid(),
    principalName: z.string().nullable().openapi({ description: 'null when deleted, or a person the caller shares no org with' }),
    principalHidden: z.boolean().openapi({ description: 'A person the caller shares no org with: they exist, their name is not shown' }),
    permission: permissionSchema,
    expiresAt: z.string().nullable(),
    active: z.boolean(),
    grantedBy: z.uuid().nullable(),
    createdAt: z.string(),
  })
  .openapi('Grant');

export const groupMemberSchema = z
  .object({ userId: z.uuid(), name: z.string(), email: z.string(), addedAt: z.string() })
  .openapi('GroupMember');

export const groupSchema = z
  .object({ id: z.uuid(), orgId: z.uuid(), name: z.string(), memberCount: z.number().int(), createdAt: z.string() })
  .openapi('Group');

export const receivedInvitationSchema = z
  .object({
    id: z.uuid(),
    org: z.object({ id: z.uuid(), name: z.string() }),
    role: z.enum(['member', 'admin']),
    status: z.enum(['pending', 'accepted', 'declined', 'revoked']),
    invitedBy: z.object({ name: z.string() }).nullable().openapi({ description: "The inviter's name; null once their account is gone" }),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Invitation');

export const invitedRoleSchema = z.enum(['member', 'admin']);

export const sentInvitationSchema = z
  .object({ id: z.uuid(), email: z.string(), role: invitedRoleSchema, status: z.enum(['pending']), expiresAt: z.string() })
  .openapi('SentInvitation');

export const orgInvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: invitedRoleSchema,
    status: z.enum(['pending', 'accepted', 'declined', 'revoked']),
    invitedBy: z.object({ id: z.uuid(), name: z.string() }).nullable().openapi({ description: 'null once the inviter left the org' }),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('OrgInvitation');

export const orgMemberSchema = z
  .object({ userId: z.uuid(), name: z.string(), email: z.string(), role: orgRoleSchema, joinedAt: z.string() })
  .openapi('OrgMember');

export const orgSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    role: orgRoleSchema.openapi({ description: "The caller's role" }),
    shareLinkDefaultTtl: z.number().int(),
    shareLinkMaxTtl: z.number().int(),
    createdAt: z.string(),
  })
  .openapi('Org');

export const shareLinkSchema = z
  .object({
    id: z.uuid(),
    resourceType: resourceTypeSchema,
    resourceId: z.uuid(),
    permission: permissionSchema,
    status: z.enum(['active', 'expired', 'revoked']),
    expiresAt: z.string(),
    hasPassword: z.boolean(),
    allowDownload: z.boolean(),
    maxDownloads: z.number().int().nullable(),
    downloadCount: z.number().int(),
    viewCount: z.number().int(),
    createdBy: z.uuid(),
    createdAt: z.string(),
    updatedAt: z.string(),
    revokedAt: z.string().nullable(),
    upload: uploadSettingsView,
    token: z.string().nullable(),
    url: z.string().nullable().openapi({ example: '/s/<token>/' }),
    apiUrl: z.string().nullable().openapi({ example: '/api/share/<token>' }),
  })
  .openapi('ShareLink');

export const sharedMediaSchema = z.object({
  variant: z.string(),
  url: z.string(),
  contentType: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  size: z.number().int().nullable(),
});

export const sharedAssetSchema = z
  .object({
    id: z.uuid(),
    filename: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    contentType: z.string(),
    size: z.number().int(),
    status: z.string(),
    placeholder: z.string().nullable(),
    media: z.array(sharedMediaSchema),
  })
  .openapi('SharedAsset');

export const sharedCollectionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  items: z.array(sharedAssetSchema),
  nextCursor: z.string().nullable(),
});

export const shareInfoSchema = z
  .object({
    link: z.object({
      resourceType: resourceTypeSchema,
      permission: z.string(),
      expiresAt: z.string(),
      allowDownload: z.boolean(),
      downloadsLeft: z.number().int().nullable().openapi({ description: 'null: no cap' }),
      needsPassword: z.boolean(),
      upload: dropInfoSchema.optional().openapi({ description: 'Present when the link takes uploads: its rules and the Uppy endpoint.' }),
    }),
    asset: sharedAssetSchema.optional(),
    collection: sharedCollectionSchema.optional(),
  })
  .openapi('ShareInfo');

export const shareUnlockSchema = z.object({ unlockToken: z.string(), expiresAt: z.string() }).openapi('ShareUnlock');

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type GrantView = z.infer<typeof grantSchema>;
export type GroupView = z.infer<typeof groupSchema>;
export type GroupMemberView = z.infer<typeof groupMemberSchema>;
export type ReceivedInvitation = z.infer<typeof receivedInvitationSchema>;
export type InvitationView = z.infer<typeof orgInvitationSchema>;
export type MemberView = z.infer<typeof orgMemberSchema>;
export type ShareLinkView = z.infer<typeof shareLinkSchema>;
export type MediaEntry = z.infer<typeof sharedMediaSchema>;
export type SharedAsset = z.infer<typeof sharedAssetSchema>;
export type SharedCollection = z.infer<typeof sharedCollectionSchema>;
