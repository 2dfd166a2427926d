/**
 * Attaching, listing and removing a video's subtitles. The caller has
 * passed the access gate (edit to change, view to list).
 *
 * Order of writes: the files first, then the row. The master playlist the
 * edge serves names a subtitle only once its row exists
 * (./subtitle-hls.ts), so a player never sees a rendition whose files are
 * not stored. Removing deletes the row first, then overwrites both files
 * with an empty track: bytes are only deleted by the purge (DESIGN.md), but
 * a removed subtitle's text is no longer served to anyone.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, assetSubtitles } from '../../shared/db/schema.ts';
import { SUBTITLES, subtitleFiles, subtitleStem } from '../../shared/profiles/subtitles.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import type { S3Client } from '../storage/s3-client.ts';
import { AppError } from '../errors.ts';
import { subtitlePlaylist } from './subtitle-hls.ts';
import { parseSubtitles, SubtitleError, toWebVtt } from './subtitle-parse.ts';

export interface SubtitleRow {
  language: string;
  label: string;
  cues: number;
  size: number;
  createdAt: Date;
  updatedAt: Date;
}

const columns = {
  language: assetSubtitles.language,
  label: assetSubtitles.label,
  cues: assetSubtitles.cues,
  size: assetSubtitles.size,
  createdAt: assetSubtitles.createdAt,
  updatedAt: assetSubtitles.updatedAt,
};

/** An asset's subtitles, by language. */
export const listSubtitles = (db: Database, assetId: string): Promise<SubtitleRow[]> =>
  db.select(columns).from(assetSubtitles).where(eq(assetSubtitles.assetId, assetId)).orderBy(asc(assetSubtitles.stem));

/** What the master playlist needs, in one small query (the master's only database read). */
export const subtitleRenditions = (db: Database, assetId: string) =>
  db
    .select({ language: assetSubtitles.language, label: assetSubtitles.label })
    .from(assetSubtitles)
    .where(eq(assetSubtitles.assetId, assetId))
    .orderBy(asc(assetSubtitles.stem));

/** The canonical BCP 47 tag, or null (Intl's parser: well-formed tags only). */
export function canonicalLanguage(tag: string): string | null {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,5}$/.test(tag)) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && /^[A-Za-z0-9-]{2,35}$/.test(canonical) ? canonical : null;
  } catch {
    return null;
  }
}

interface Target {
  db: Database;
  storage: S3Client;
  bucket: string;
  assetId: string;
}

const encoder = new TextEncoder();

async function putText(t: Target, variant: string, text: string, contentType: string): Promise<void> {
  const bytes = encoder.encode(text);
  await t.storage.put(t.bucket, derivativeKey(t.assetId, variant), bytes, { contentType, contentLength: bytes.byteLength });
}

/** The asset must be a live video: its sniffed type says so. @throws 409 */
async function videoFacts(db: Database, assetId: string): Promise<{ durationSec: number }> {
  const [row] = await db
    .select({
      detectedType: assets.detectedType,
      deletedAt: assets.deletedAt,
      durationSec: sql<unknown>`coalesce(${assets.metadata}->'video'->'durationSec', ${assets.metadata}->'durationSec')`,
    })
    .from(assets)
    .where(eq(assets.id, assetId));
  if (!row) throw new AppError('not_found', 'No such asset.');
  if (row.deletedAt) throw new AppError('conflict', 'The asset is in the trash; restore it first.');
  if (!row.detectedType?.startsWith('video/'))
    throw new AppError('conflict', 'Subtitles belong to videos (this asset is not one, or is not processed yet).');
  const d = Number(row.durationSec);
  return { durationSec: Number.isFinite(d) && d > 0 ? d : 0 };
}

export interface AttachInput {
  language: string;
  label: string;
  content: string;
  userId: string;
  now: Date;
}

/** Validates, converts, stores and records one subtitle (replacing the language's earlier one). */
export async function attachSubtitle(t: Target, input: AttachInput): Promise<SubtitleRow> {
  const language = canonicalLanguage(input.language);
  if (!language) throw new AppError('validation_failed', 'The language must be a BCP 47 tag such as en, pt-BR or zh-Hant.');
  let vtt: string;
  let cues: number;
  let lastEndMs: number;
  try {
    const parsed = parseSubtitles(input.content);
    vtt = toWebVtt(parsed.cues);
    cues = parsed.cues.length;
    lastEndMs = Math.max(...parsed.cues.map((c) => c.endMs));
  } catch (err) {
    if (!(err instanceof SubtitleError)) throw err;
    throw new AppError(
      err.code === 'too_large' ? 'payload_too_large' : 'validation_failed',
      `The subtitle file was refused: ${err.message}.`,
      {
        details: { reason: err.code, line: err.line },
        logAs: 'info',
      },
    );
  }
  const { durationSec } = await videoFacts(t.db, t.assetId);
  const stem = subtitleStem(language);
  const existing = await listSubtitles(t.db, t.assetId);
  if (existing.length >= SUBTITLES.maxTracks && !existing.some((s) => subtitleStem(s.language) === stem)) {
    throw new AppError('conflict', `A video may have at most ${SUBTITLES.maxTracks} subtitle tracks.`);
  }
  const files = subtitleFiles(language);
  await putText(t, files.vtt, vtt, 'text/vtt; charset=utf-8');
  await putText(t, files.playlist, subtitlePlaylist(language, Math.max(durationSec, lastEndMs / 1000)), 'application/vnd.apple.mpegurl');
  const size = encoder.encode(vtt).byteLength;
  const values = { language, label: input.label, cues, size, createdBy: input.userId, updatedAt: input.now };
  const [row] = await t.db
    .insert(assetSubtitles)
    .values({ assetId: t.assetId, stem, ...values, createdAt: input.now })
    .onConflictDoUpdate({ target: [assetSubtitles.assetId, assetSubtitles.stem], set: values })
    .returning(columns);
  return row!;
}

/** Removes one subtitle. @throws 404 when the video has none in that language. */
export async function removeSubtitle(t: Target, languageTag: string): Promise<void> {
  const language = canonicalLanguage(languageTag);
  const stem = language ? subtitleStem(language) : null;
  const deleted = stem
    ? await t.db
        .delete(assetSubtitles)
        .where(and(eq(assetSubtitles.assetId, t.assetId), eq(assetSubtitles.stem, stem)))
        .returning({ language: assetSubtitles.language })
    : [];
  if (!deleted[0]) throw new AppError('not_found', 'The video has no subtitles in that language.');
  const files = subtitleFiles(deleted[0].language);
  await putText(t, files.vtt, 'WEBVTT\n', 'text/vtt; charset=utf-8');
  await putText(t, files.playlist, subtitlePlaylist(deleted[0].language, 1), 'application/vnd.apple.mpegurl');
}
