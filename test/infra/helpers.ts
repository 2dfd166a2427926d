/**
 * Shared set-up for the infra tests: a fresh App per test with asset bundling
 * skipped (NodejsFunction would otherwise run esbuild and npm for every synth)
 * and handler entries pointed at fixtures, so no origin/ code is needed.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { fileURLToPath } from 'node:url';
import type { PipelineEntries } from '../../infra/constructs/pipeline.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/handlers/${name}.ts`, import.meta.url));

/** A real RSA public key (test only) for configs that refuse the placeholder. */
export const FIXTURE_CDN_PUBLIC_KEY_FILE = fileURLToPath(new URL('./fixtures/cdn-public-key.pem', import.meta.url));

export const fixtureEntries: PipelineEntries = {
  ingest: fixture('ingest'),
  complete: fixture('mediaconvert-complete'),
  purge: fixture('purge'),
  sweeper: fixture('sweeper'),
  webhooks: fixture('webhooks'),
};

/** Context that skips bundling of every stack (assets are staged as placeholders). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export const RELAY_CONTEXT = {
  relayCertificateArn: 'arn:aws:acm:eu-central-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
  relayDomain: 'db-relay.example.com',
};

/** A stack in eu-central-1 inside a fresh app with bundling skipped. */
export function testStack(): Stack {
  const app = new App({ context: NO_BUNDLING });
  return new Stack(app, 'Test', { env: { region: 'eu-central-1', account: '111111111111' } });
}

/** Builds constructs into a fresh stack and returns its template. */
export function templateOf(build: (stack: Stack) => void): Template {
  const stack = testStack();
  build(stack);
  return Template.fromStack(stack);
}
