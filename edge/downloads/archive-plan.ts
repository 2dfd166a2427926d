/**
 * From the items an archive may hold to its entries: which file of each
 * asset (the original, or the derivative `variant` names), under a safe and
 * unique name, with the asset's creation time as its modification time;
 * everything left out is listed in `MANIFEST.txt` with the reason. The plan
 * is deterministic (same items, same archive, same bytes), so its ETag
 * names the archive and a Range can resume it.
 */
import type { Database } from '../../shared/db/database.ts';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { derivativeFiles } from '../library/derivative-files.ts';
import type { ArchiveItem } from './archive-items.ts';
import { archiveLength, type ZipEntry } from './zip-format.ts';
import { MANIFEST_NAME, UniqueNames } from './zip-names.ts';

export interface PlannedFile {
  assetId: string;
  name: string;
  size: number;
  mtime: Date;
  /** The stored ETag the original must still have (edge/uploads/original-guard.ts), or null. */
  expectEtag: string | null;
}

export interface ArchivePlan {
  variant: string;
  files: PlannedFile[];
  /** The left-out lines of the manifest: a name (or an id) and a reason. */
  leftOut: { what: string; why: string }[];
  manifest: Uint8Array;
  entries: ZipEntry[];
  length: number;
  etag: string;
  forceZip64: boolean;
}

const encoder = new TextEncoder();

function stemOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(0, dot) : filename;
}

/** The entry name of an asset's file: its own name for the original, `<stem>.<variant>` for a derivative. */
const entryName = (item: ArchiveItem, variant: string) => (variant === 'original' ? item.filename : `${stemOf(item.filename)}.${variant}`);

export interface PlanInput {
  title: string;
  items: readonly ArchiveItem[];
  /** Ids asked for that the caller cannot see (a selection): listed by id, nothing else said. */
  unseen?: readonly string[];
  variant: string;
  /** Downloads left on a link (null: no cap); items past it are left out. */
  downloadsLeft: number | null;
  /** Make every entry Zip64 (tests). */
  forceZip64?: boolean;
}

/** The assets that may be downloaded and have the file asked for, before any cap. */
export async function downloadable(db: Database, items: readonly ArchiveItem[], variant: string) {
  const derived =
    variant === 'original'
      ? new Map()
      : await derivativeFiles(
          db,
          items.map((i) => i.assetId),
          { readyOnly: true },
        );
  return items.map((item) => {
    if (!item.mayDownload) return { item, why: 'you may view it but not download it' };
    if (item.status === 'blocked') return { item, why: 'blocked' };
    if (item.status !== 'ready') return { item, why: `not processed yet (${item.status})` };
    if (variant === 'original') return { item, size: item.size, etag: item.ingestedEtag };
    const file = (derived.get(item.assetId) ?? []).find((d: { kind: string }) => d.kind === variant);
    if (!file || file.size === null) return { item, why: `has no ${variant}` };
    return { item, size: Number(file.size), etag: null };
  });
}

export async function planArchive(db: Database, input: PlanInput): Promise<ArchivePlan> {
  const names = new UniqueNames();
  const files: PlannedFile[] = [];
  const leftOut: ArchivePlan['leftOut'] = [];
  let left = input.downloadsLeft;
  for (const c of await downloadable(db, input.items, input.variant)) {
    if (!('size' in c) || c.size === undefined) {
      leftOut.push({ what: c.item.filename, why: c.why ?? 'not available' });
    } else if (left !== null && left <= 0) {
      leftOut.push({ what: c.item.filename, why: "the link's download limit was reached" });
    } else {
      if (left !== null) left--;
      const name = names.take(entryName(c.item, input.variant));
      files.push({ assetId: c.item.assetId, name, size: c.size, mtime: c.item.createdAt, expectEtag: c.etag ?? null });
    }
  }
  for (const id of input.unseen ?? []) leftOut.push({ what: id, why: 'no such asset, or not visible to you' });
  const manifest = encoder.encode(manifestText(input.title, input.variant, files, leftOut));
  const when = files.reduce((t, f) => Math.max(t, f.mtime.getTime()), 0);
  const entries: ZipEntry[] = [
    ...files.map((f) => ({ name: encoder.encode(f.name), size: f.size, mtime: f.mtime })),
    { name: encoder.encode(MANIFEST_NAME), size: manifest.byteLength, mtime: new Date(when || Date.UTC(2020, 0, 1)) },
  ];
  const length = archiveLength(entries, { forceZip64: input.forceZip64 });
  const identity = JSON.stringify([
    input.variant,
    input.forceZip64 === true,
    files.map((f) => [f.assetId, f.name, f.size, f.mtime.getTime(), f.expectEtag]),
    leftOut,
  ]);
  const etag = `"zip-${await sha256Base64Url(identity)}"`;
  return { variant: input.variant, files, leftOut, manifest, entries, length, etag, forceZip64: input.forceZip64 === true };
}

function manifestText(title: string, variant: string, files: readonly PlannedFile[], leftOut: ArchivePlan['leftOut']): string {
  const lines = [
    `Archive: ${title}`,
    `Files: ${variant === 'original' ? 'originals' : `the ${variant} version of each asset`}`,
    `Included: ${files.length}`,
    `Left out: ${leftOut.length}`,
  ];
  if (leftOut.length) lines.push('', 'Left out:', ...leftOut.map((l) => `- ${l.what.replace(/[\r\n\t]/g, ' ')}: ${l.why}`));
  return `${lines.join('\r\n')}\r\n`;
}
