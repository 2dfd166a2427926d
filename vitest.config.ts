/**
 * Five projects: `unit` (pure functions, Node), `node` (integration against a
 * real S3 server and Debian PostgreSQL started by its global setup), `workers`
 * (the edge inside workerd against the local stack's services), `infra`
 * (CDK assertions, offline), and `e2e` (the SPA in Chromium against a local
 * stack per worker).
 *
 * All five share one pool of two workers (`maxWorkers` below; projects with
 * the same maxWorkers run as one group), so a slow file of one project (the
 * API fuzzer, the access model, a browser journey) overlaps with the quick
 * files of the others instead of the projects running one after another.
 * vitest's default on two cores is one worker, and most files wait on
 * servers, ffmpeg, workerd or Postgres rather than compute. Every file
 * isolates its data (fresh users, random ids, a client address of its own for
 * rate limits), so any two can run side by side.
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/setup/slow-first-sequencer.ts';

export default defineConfig({
  test: {
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // No state outlives a file here (mocks restored, env put back), so the files of a worker share
        // one module graph: the CDK library alone took ~4 s to import per infra file (infra 85 s -> 38 s,
        // unit 17 s -> 8 s on this machine).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', isolate: false },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/setup/node-services.ts'],
          // The property tests against PGlite ran past 60 s at a load of 20 (2 cores, other jobs).
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The SPA in Debian's Chromium (playwright-core) against the local stack of the worker
        // running the file (started on first use by the global setup, shared by its files).
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/e2e-stacks.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 180_000, isolate: false },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './edge/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                APP_ENV: 'test',
                // scrypt at 1/80 of the work for the hundreds of sign-ups and logins here; only
                // APP_ENV=test accepts it (test/unit/password-cost.test.ts).
                PASSWORD_HASH_COST: 'low',
                S3_ENDPOINT: inject('edgeS3Endpoint'),
                DATABASE_URL: inject('edgeDbUrl'),
                DATABASE_WS_PROXY: inject('edgeDbWsProxy'),
                AUTH_SIGNING_KEYS: inject('edgeSigningKeys'),
                AUTH_ISSUER: 'https://edge.test',
                AUTH_AUDIENCE: 'media-platform',
                // Receivers on 127.0.0.1 may be registered (never in production: shared/config.ts refuses it).
                WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
                // Derivatives through the CloudFront stand-in (local/cdn-stand-in.ts), as in production.
                CDN_DOMAIN: inject('edgeCdnEndpoint'),
                CDN_KEY_PAIR_ID: inject('edgeCdnKeyPairId'),
                CDN_PRIVATE_KEY: inject('edgeCdnPrivateKey'),
              },
            },
          })),
        ],
        // FUZZ_SEED / FUZZ_RUNS reach the API fuzzer (test/workers/api-fuzz.test.ts) as import.meta.env.
        envPrefix: ['VITE_', 'FUZZ_'],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/setup/worker-services.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
