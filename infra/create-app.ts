/**
 * Builds the CDK app: reads the configuration from context, adds the origin
 * stack and the cdk-nag AwsSolutions checks. Shared by `app.ts` and the tests.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, type OriginConfig } from './config.js';
import { DEFAULT_ENTRIES, type PipelineEntries } from './constructs/pipeline.js';
import { DrStack } from './dr-stack.js';
import { OriginStack } from './origin-stack.js';

export interface CreateAppOptions extends AppProps {
  /** Handler entries (tests use fixtures). @default origin/handlers/*.ts */
  readonly entries?: PipelineEntries;
  /** Run cdk-nag AwsSolutions checks at synth. @default true */
  readonly nag?: boolean;
}

export function createApp(options: CreateAppOptions = {}): { app: App; stack: OriginStack; dr?: DrStack; config: OriginConfig } {
  const { entries, nag = true, ...appProps } = options;
  const app = new App(appProps);
  const config = loadConfig((key) => app.node.tryGetContext(key));
  // `-c handlerDir=...` points every handler at another folder (a smoke test of bundling, say).
  const handlerDir = app.node.tryGetContext('handlerDir') as string | undefined;
  // The DR side deploys first: the origin's replication and backup settings name its buckets and keys.
  const dr = config.drRegion
    ? new DrStack(app, `${config.prefix}-dr`, {
        prefix: config.prefix,
        drRegion: config.drRegion,
        replicateDerivatives: config.drReplicateDerivatives,
        tags: config.tags,
        env: { region: config.drRegion, account: config.account },
        description: `Media platform disaster recovery (${config.envName})`,
        terminationProtection: config.envName === 'prod',
      })
    : undefined;
  const stack = new OriginStack(app, `${config.prefix}-origin`, {
    config,
    entries: entries ?? (handlerDir ? entriesIn(handlerDir) : undefined),
    env: { region: config.region, account: config.account },
    description: `Media platform origin (${config.envName})`,
    terminationProtection: config.envName === 'prod',
  });
  if (dr) stack.addDependency(dr, 'replication and backup copies need the DR buckets and keys');
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(dr ? { dr } : {}), config };
}

function entriesIn(dir: string): PipelineEntries {
  const file = (entry: string) => `${dir}/${entry.split('/').pop()}`;
  return {
    ingest: file(DEFAULT_ENTRIES.ingest),
    complete: file(DEFAULT_ENTRIES.complete),
    purge: file(DEFAULT_ENTRIES.purge),
    sweeper: file(DEFAULT_ENTRIES.sweeper),
    webhooks: file(DEFAULT_ENTRIES.webhooks),
  };
}
