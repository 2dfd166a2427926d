/**
 * Debian's Chromium driven by playwright-core (no downloaded browser). The
 * flags keep it off the network this machine does not have (TOOLCHAIN/env
 * notes). Every page's console errors and uncaught exceptions are collected:
 * a test ends by asserting there were none.
 *
 * Each context is a client of its own to the edge's per-client limits: its
 * `/api/auth/*` calls carry a `CF-Connecting-IP` of its own, as Cloudflare
 * sets one on every request it forwards. Without it every caller of a local
 * edge shares one key, and the files that share a worker's stack one after
 * another (test/setup/e2e-stacks.ts) would add up against the 30 a minute.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A random address in 10.0.0.0/8. */
function clientAddress(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export interface E2eBrowser {
  browser: Browser;
  /** A fresh context (no cookies, no storage) with a console-error collector. */
  context(): Promise<BrowserContext>;
  /** Console errors and page errors seen in every context so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<E2eBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // playwright gives the browser a new empty profile folder of its own (and removes it).
      // H.264 in MSE is what the HLS ladder needs; Debian's Chromium has it.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${page.url()})`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message} (${page.url()})`));
  };
  return {
    browser,
    errors,
    async context() {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      ctx.on('page', watch);
      const address = clientAddress();
      await ctx.route(
        (url) => url.pathname.startsWith('/api/auth/'),
        (route) => route.continue({ headers: { ...route.request().headers(), 'cf-connecting-ip': address } }),
      );
      return ctx;
    },
    async close() {
      await browser.close();
    },
  };
}
