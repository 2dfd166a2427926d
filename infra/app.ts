/**
 * CDK entry: `npx cdk synth -c env=dev` (cdk.json runs this with tsx), or
 * `npx tsx infra/app.ts` directly. Synthesizes offline with no credentials.
 */
import { createApp } from './create-app.js';

createApp().app.synth();
