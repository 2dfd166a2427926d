/**
 * PDF previews: the first page rendered by poppler's `pdftoppm` (Debian
 * poppler-utils), re-encoded by sharp as `preview.jpg`, plus the page count
 * (`pdfinfo`, or a scan of the file's page tree when poppler is absent).
 * Lambda has no poppler: there, and whenever rendering fails or times out, the
 * PDF gets the document type icon instead. A preview is a nicety, never a
 * reason to fail the asset; the note says why it is missing.
 */
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DOCUMENT_PREVIEW, DOCUMENT_VARIANTS, MAX_DOCUMENT_BYTES } from '../../shared/profiles/image.ts';
import { renderIcon } from './icons.ts';
import { thumbhash, type Rendition } from './image.ts';
import { toMetadata, type AssetMetadata } from './metadata.ts';
import { findTool, runTool } from './tools.ts';

export interface DerivedDocument {
  renditions: Rendition[];
  placeholder?: string;
  metadata: AssetMetadata;
  /** Why there is no preview (`pdftoppm not installed`, …); absent when there is one. */
  note?: string;
}

export interface PdfTools {
  /** Path of pdftoppm; null = not available. Looked up on PATH when undefined. */
  pdftoppm?: string | null;
  pdfinfo?: string | null;
  /**
   * Where the scratch folder goes. The pipeline passes the ingest's own temp
   * folder, so a killed run's leftovers are removed with it at the next start.
   * @default os.tmpdir()
   */
  scratchDir?: string;
}

export async function derivePdf(file: string, tools: PdfTools = {}): Promise<DerivedDocument> {
  const size = (await stat(file)).size;
  const pdfinfo = tools.pdfinfo === undefined ? await findTool('pdfinfo') : tools.pdfinfo;
  const pdftoppm = tools.pdftoppm === undefined ? await findTool('pdftoppm') : tools.pdftoppm;
  const pageCount = (pdfinfo ? await pagesByPdfinfo(pdfinfo, file) : undefined) ?? (await pagesByScan(file, size));
  const metadata = toMetadata({ format: 'pdf', ...(pageCount ? { pageCount } : {}) });
  const iconOnly = async (note: string): Promise<DerivedDocument> => ({ renditions: [await renderIcon('document')], metadata, note });

  if (size > MAX_DOCUMENT_BYTES) return iconOnly(`larger than ${MAX_DOCUMENT_BYTES} bytes; not rendered`);
  if (!pdftoppm) return iconOnly('pdftoppm not installed');
  const dir = await mkdtemp(path.join(tools.scratchDir ?? os.tmpdir(), 'pdf-preview-'));
  try {
    const prefix = path.join(dir, 'page');
    const run = await runTool(
      pdftoppm,
      ['-f', '1', '-l', '1', '-singlefile', '-png', '-scale-to', String(DOCUMENT_PREVIEW.size), file, prefix],
      { timeoutMs: DOCUMENT_PREVIEW.timeoutMs },
    );
    if (run.code !== 0) return iconOnly(run.timedOut ? 'pdftoppm timed out' : `pdftoppm exited with ${run.code}`);
    const page = sharp(`${prefix}.png`).flatten({ background: '#ffffff' });
    const { data, info } = await page.clone().jpeg({ quality: DOCUMENT_PREVIEW.jpegQuality }).toBuffer({ resolveWithObject: true });
    const preview: Rendition = {
      variant: DOCUMENT_VARIANTS.preview,
      contentType: 'image/jpeg',
      width: info.width,
      height: info.height,
      data,
    };
    return { renditions: [preview], placeholder: await thumbhash(page.clone()), metadata };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pagesByPdfinfo(pdfinfo: string, file: string): Promise<number | undefined> {
  const run = await runTool(pdfinfo, [file], { timeoutMs: 15_000 }).catch(() => undefined);
  const m = run?.code === 0 ? /^Pages:\s+(\d+)\s*$/m.exec(run.stdout) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Without poppler: the root page-tree node's `/Count` is the largest one in
 * the file. Only plain (uncompressed) page-tree objects are visible this way,
 * so a PDF that keeps them in object streams gets no count. The first 32 MB
 * are enough for the page tree of any ordinary PDF.
 */
async function pagesByScan(file: string, size: number): Promise<number | undefined> {
  const fh = await open(file, 'r');
  try {
    const length = Math.min(size, 32 * 1024 * 1024);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, 0);
    const text = buf.toString('latin1');
    let best = 0;
    for (const m of text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)) {
      best = Math.max(best, Number(m[1] ?? m[2]));
    }
    return best || undefined;
  } finally {
    await fh.close();
  }
}
