/**
 * The local stack's token signing key: generated on first start and kept in
 * DATA_DIR/secrets/auth-keys.json (mode 0600), so sessions survive a restart.
 * Production keys are a Worker secret (AUTH_SIGNING_KEYS), never this file.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { signingKeysSchema } from '../shared/config.ts';
import { generateSigningKey } from '../shared/tokens/index.ts';

/** Returns the AUTH_SIGNING_KEYS value for this data folder, creating it once. */
export async function loadOrCreateDevKeys(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'secrets', 'auth-keys.json');
  try {
    const raw = await readFile(file, 'utf8');
    signingKeysSchema.parse(raw);
    return raw;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${String(err)}`, { cause: err });
  }
  const key = await generateSigningKey();
  const raw = JSON.stringify({ active: key.kid, keys: [key] });
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, raw, { mode: 0o600, flag: 'wx' });
  return raw;
}
