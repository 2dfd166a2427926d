/**
 * `.dev.vars` for `npx wrangler dev`: wrangler reads a Worker's secrets from
 * that file beside wrangler.toml, and its values override `[vars]`. The local
 * stack writes the bindings its own edge runs with (signing keys, storage and
 * database endpoints on this start's ports, credentials), so a second edge
 * started by wrangler talks to the same stack and honours the same tokens.
 *
 * The file holds the stack's private signing key: mode 0600, git-ignored. A
 * file someone wrote by hand is never replaced: ours starts with HEADER, and
 * only a file starting with it is rewritten.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { devConfigSchema } from '../shared/config.ts';

export const DEV_VARS_HEADER = '# Written by `npm run dev` for `npx wrangler dev` (local/dev-vars.ts).';

/** The dev stack's settings plus where `npm run dev` writes the file (relative to the working directory). */
export const devStackConfigSchema = devConfigSchema.extend({
  DEV_VARS_FILE: z.string().min(1).default('.dev.vars'),
  // The production shape: edge Worker + API Worker behind the service binding (EDGE_API_WORKER=off for the edge alone).
  EDGE_API_WORKER: z.enum(['inline', 'off']).default('inline'),
});

/** The file's text; a value dotenv cannot carry verbatim in single quotes is refused. */
export function formatDevVars(bindings: Record<string, string>): string {
  const lines = [
    DEV_VARS_HEADER,
    '# Replaced at every start while the line above is first; delete that line to keep edits of your own.',
    "# Holds the local stack's private token signing key: keep it to yourself (mode 0600, git-ignored).",
  ];
  for (const [name, value] of Object.entries(bindings)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`.dev.vars: binding name ${JSON.stringify(name)} is not an identifier`);
    // dotenv reads '...' literally up to the next quote; no escapes exist inside it.
    if (/['\r\n]/.test(value)) throw new Error(`.dev.vars: the value of ${name} holds a quote or a line break`);
    lines.push(`${name}='${value}'`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `file` unless it exists without our header. The new text goes to a
 * private temporary file renamed over the old one, so wrangler never reads
 * half a file and the secret is never readable by others, even briefly.
 */
export async function writeDevVars(file: string, bindings: Record<string, string>): Promise<'written' | 'kept'> {
  const text = formatDevVars(bindings);
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${String(err)}`, { cause: err });
  }
  if (existing !== undefined && existing.split('\n', 1)[0] !== DEV_VARS_HEADER) return 'kept';
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`${file} (DEV_VARS_FILE): ${String(err)}`, { cause: err });
  }
  return 'written';
}
