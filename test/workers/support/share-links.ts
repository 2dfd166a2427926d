/**
 * Share-link rows and their tokens for media tests, written straight to the
 * database (the sharing API's own rules are tested in sharing-*.test.ts),
 * and the link's download count as the database holds it.
 */
import { eq } from 'drizzle-orm';
import { shareLinks } from '../../../shared/db/schema.ts';
import { passwordVersion, signShareToken, signShareUnlockToken } from '../../../shared/tokens/index.ts';
import { keys, party, withDb } from './fixtures.ts';

export type LinkFields = Partial<typeof shareLinks.$inferInsert> & { resourceId: string; createdBy: string };

/** A link row (an asset link unless told) and a token for it that ends when the row does. */
export async function makeLink(fields: LinkFields): Promise<{ id: string; token: string }> {
  const expiresAt = fields.expiresAt ?? new Date(Date.now() + 3_600_000);
  const [row] = await withDb((db) =>
    db
      .insert(shareLinks)
      .values({ resourceType: 'asset', ...fields, expiresAt })
      .returning(),
  );
  const token = await signShareToken(await keys(), {
    ...party,
    linkId: row!.id,
    resource: { type: row!.resourceType, id: row!.resourceId },
    permission: row!.permission,
    expiresAt,
  });
  return { id: row!.id, token };
}

export async function downloadCount(linkId: string): Promise<number> {
  const [row] = await withDb((db) => db.select({ n: shareLinks.downloadCount }).from(shareLinks).where(eq(shareLinks.id, linkId)));
  return row!.n;
}

/** An unlock token for a link with the given password hash (what the sharing API's unlock step hands out). */
export async function unlockFor(linkId: string, passwordHash: string): Promise<string> {
  return (await signShareUnlockToken(await keys(), { ...party, linkId, passwordVersion: await passwordVersion(passwordHash) })).token;
}

/** A syntactically valid stored hash; no password needs to match it for these tests. */
export const PASSWORD_HASH = 'scrypt$15$8$1$c2FsdA$aGFzaA';
