/** Screenshots of the main screens, kept in docs/screenshots/ (overwritten by each run). */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

const dir = path.resolve(import.meta.dirname, '../../../docs/screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: false, animations: 'disabled' });
}
