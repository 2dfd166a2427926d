/**
 * One stack per data folder: PGlite and the storage server each assume they
 * are alone with their files, so a second `npm run dev` on the same folder
 * must refuse to start rather than corrupt it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir/.lock` for this process; throws when a live process holds it. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, '.lock');
  const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (holder && holder !== process.pid && alive(holder)) {
    throw new Error(`another local stack (pid ${holder}) is using ${dir}; stop it or set DATA_DIR`);
  }
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}

/** Throws naming the first setting whose port is taken on 127.0.0.1 (0 means any port). */
export async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', () => reject(new Error(`${name}=${port}: port ${port} is already in use on 127.0.0.1`)));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
    });
  }
}
