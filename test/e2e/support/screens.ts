/**
 * Screenshots of the main screens. A test run writes them to
 * test-results/screenshots/ (git-ignored), so `npm test` never changes tracked
 * files; `npm run screenshots` (scripts/screenshots.ts) points SCREENSHOT_DIR
 * at a folder of its own and copies a passing run's pictures into docs/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../../..');

/** Where this run's screenshots go (relative values are taken from the repository root). */
export const SCREENSHOT_DIR = path.resolve(root, process.env.SCREENSHOT_DIR || 'test-results/screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false, animations: 'disabled' });
}
