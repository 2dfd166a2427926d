/**
 * The e2e stack's database, straight (through its WebSocket relay, as the
 * edge reaches it): for seeding what would take too long through the UI or
 * the API, such as thousands of assets. Tests still act through the browser.
 */
import WebSocket from 'ws';
import type { Database } from '../../../shared/db/database.ts';
import { openNeonDatabase } from '../../../shared/db/neon.ts';
import type { E2eStack } from './stack.ts';

export async function withStackDb<T>(stack: E2eStack, fn: (db: Database) => Promise<T>): Promise<T> {
  const handle = openNeonDatabase({ ...stack.database, secure: false, webSocketConstructor: WebSocket, max: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}
