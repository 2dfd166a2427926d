/**
 * How an object is presented (content-policy.ts needs whose bytes they are;
 * the browser needs a name to save them under). An original needs its row:
 * the type the pipeline sniffed from the bytes (null until it has) and the
 * uploaded file name. Derivatives are typed by what our pipeline stored, so
 * thumbnails and segments stay off the database on the signed-URL path.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { AppError } from '../errors.ts';
import type { Source } from './content-policy.ts';

export interface Presentation {
  source: Source;
  filename: string;
}

export async function presentationFor(db: Database, assetId: string, variant: string): Promise<Presentation> {
  if (variant !== 'original') return { source: { kind: 'derivative' }, filename: `${assetId}-${variant.replaceAll('/', '-')}` };
  const [row] = await db
    .select({ filename: assets.filename, detectedType: assets.detectedType })
    .from(assets)
    .where(eq(assets.id, assetId))
    .limit(1);
  if (!row) throw new AppError('not_found', 'No such media.');
  return { source: { kind: 'original', detectedType: row.detectedType }, filename: row.filename };
}
