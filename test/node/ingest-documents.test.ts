/**
 * PDFs: a first-page preview by Debian's pdftoppm and the page count; the
 * type icon when no renderer exists (as in Lambda); truncation refused.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivePdf } from '../../origin/processing/document.ts';
import { findTool } from '../../origin/processing/tools.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  makeDeps,
  openTestDatabase,
  readObject,
  uploadAsset,
} from './support/ingest-env.ts';
import { tinyPdf } from './support/samples.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;
let dir: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
  dir = await mkdtemp(path.join(os.tmpdir(), 'pdf-test-'));
});
afterAll(async () => {
  await handle?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PDF ingest', () => {
  it('has poppler on this machine (the preview tests below need it)', async () => {
    expect(await findTool('pdftoppm')).toMatch(/\/pdftoppm$/);
    expect(await findTool('pdfinfo')).toMatch(/\/pdfinfo$/);
  });

  it('renders the first page as preview.jpg and records the page count', async () => {
    const bytes = tinyPdf(3);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true, declaredType: 'application/pdf', filename: 'report.pdf' });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset).toMatchObject({ status: 'ready', detectedType: 'application/pdf', metadata: { format: 'pdf', pageCount: 3 } });
    expect(asset.placeholder).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const rows = await derivativeRows(handle.db, id);
    // US letter (612x792 pt) with its long side scaled to 1024.
    expect(rows.map((r) => [r.kind, r.contentType, r.width, r.height])).toEqual([['preview.jpg', 'image/jpeg', 792, 1024]]);
    const preview = await readObject(deps, 'derivatives', rows[0]!.key);
    const { data, info } = await sharp(preview).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(792);
    // The page's blue rectangle (0.2 0.4 0.8) near its lower left corner; white paper above it.
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const [r, g, b] = px(150, 900);
    expect(b! - r!).toBeGreaterThan(100);
    expect(g).toBeGreaterThan(70);
    for (const c of px(150, 100)) expect(c).toBeGreaterThan(240);
  });

  it('falls back to the document icon and a scanned page count where pdftoppm is missing (Lambda)', async () => {
    const file = path.join(dir, 'two.pdf');
    await writeFile(file, tinyPdf(2));
    const doc = await derivePdf(file, { pdftoppm: null, pdfinfo: null });
    expect(doc.note).toBe('pdftoppm not installed');
    expect(doc.metadata).toEqual({ format: 'pdf', pageCount: 2 });
    expect(doc.renditions.map((r) => [r.variant, r.contentType])).toEqual([['icon.png', 'image/png']]);
    expect(doc.placeholder).toBeUndefined();
  });

  it('gives a PDF that poppler cannot render the icon, never an error', async () => {
    const file = path.join(dir, 'broken.pdf');
    await writeFile(file, '%PDF-1.7\nthis is not a PDF body at all\n%%EOF\n');
    const doc = await derivePdf(file);
    expect(doc.note).toMatch(/^pdftoppm exited with \d+$/);
    expect(doc.renditions.map((r) => r.variant)).toEqual(['icon.png']);
  });

  it('renders in the scratch folder it is given (the ingest passes its own temp folder, swept after a crash)', async () => {
    const file = path.join(dir, 'scratch.pdf');
    await writeFile(file, tinyPdf(1));
    await expect(derivePdf(file, { scratchDir: path.join(dir, 'no-such-folder') })).rejects.toMatchObject({ code: 'ENOENT' });
    const doc = await derivePdf(file, { scratchDir: dir });
    expect(doc.renditions.map((r) => r.variant)).toContain('preview.jpg');
    expect((await readdir(dir)).filter((n) => n.startsWith('pdf-preview-'))).toEqual([]);
  });

  it('refuses a truncated PDF (no %%EOF at its end) with a reason', async () => {
    const whole = tinyPdf(2);
    const bytes = whole.subarray(0, whole.length - 120);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true });
    expect(await deliver(deps, id, bytes.length)).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset).toMatchObject({
      status: 'failed',
      statusReason: 'truncated: PDF has no %%EOF marker at its end',
      detectedType: 'application/pdf',
    });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
  });
});
