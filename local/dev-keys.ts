/**
 * The local stack's token signing key: generated on first start and kept in
 * DATA_DIR/secrets/auth-keys.json (mode 0600), so sessions survive a restart.
 * Production keys are a Worker secret (AUTH_SIGNING_KEYS), never this file.
 */
import { randomBytes } from 'node:crypto';
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

/**
 * The local relay's caller-proof key (DATABASE_RELAY_KEY): generated on first
 * start and kept in DATA_DIR/secrets/relay-key (mode 0600), so tools that
 * reach the running stack's database through its relay (npm run backup,
 * `npx wrangler dev` with the stack's .dev.vars) can prove themselves as the
 * edge does. Production's key is a secret of the Worker and the relay.
 */
export async function loadOrCreateRelayKey(dataDir: string): Promise<string> {
  const file = relayKeyFile(dataDir);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key.length < 43) throw new Error('too short: expected 32 random bytes, base64url');
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${String(err)}`, { cause: err });
  }
  const key = randomBytes(32).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, key, { mode: 0o600, flag: 'wx' });
  return key;
}

const relayKeyFile = (dataDir: string) => path.join(dataDir, 'secrets', 'relay-key');

/** The relay key of a data folder the stack has run on; a clear error when there is none. */
export async function readRelayKey(dataDir: string): Promise<string> {
  const file = relayKeyFile(dataDir);
  const key = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      err.code === 'ENOENT' ? `${file} is missing: start the stack (npm run dev) on this data folder first` : `${file}: ${err.message}`,
    );
  });
  return key.trim();
}
