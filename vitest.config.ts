/**
 * Five projects: `unit` (pure functions, Node), `node` (integration against a
 * real S3 server and Debian PostgreSQL started by its global setup), `workers`
 * (the edge inside workerd against the local stack's services), `infra`
 * (CDK assertions, offline), and `e2e` (the SPA in Chromium against a local stack).
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/setup/node-services.ts'],
          // Two files at a time (vitest's default on 2 cores is one): these files mostly wait
          // on servers, ffmpeg or Postgres, and each opens a database of its own. Projects
          // with their own maxWorkers run as a later group (sequence.groupOrder), after the
          // one-at-a-time projects (the workers suites share one database).
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The SPA in Debian's Chromium (playwright-core) against a local stack each file starts.
        // Each file starts a stack of its own on free ports, so two can run side by side.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000, maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
      {
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 180_000 },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './edge/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                APP_ENV: 'test',
                S3_ENDPOINT: inject('edgeS3Endpoint'),
                DATABASE_URL: inject('edgeDbUrl'),
                DATABASE_WS_PROXY: inject('edgeDbWsProxy'),
                AUTH_SIGNING_KEYS: inject('edgeSigningKeys'),
                AUTH_ISSUER: 'https://edge.test',
                AUTH_AUDIENCE: 'media-platform',
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
