import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: relative entries and the lock file resolve from here, not from the cwd. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Prepended to every ESM bundle: CommonJS dependencies call require() at runtime, and
 * libheif-js (HEIC decoding, bundled with its wasm inside) reads `__dirname` when it
 * starts in Node; an ES module has neither. test/infra/lambda-bundle.test.ts runs a bundle
 * made with this banner.
 */
export const ESM_BANNER =
  "import { createRequire } from 'node:module';import { fileURLToPath as __fileURLToPath } from 'node:url';" +
  'const require = createRequire(import.meta.url);const __filename = __fileURLToPath(import.meta.url);' +
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));";

export interface NodeFunctionProps {
  /** TypeScript entry that exports `handler`; relative paths are from the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 1 minute */
  readonly timeout?: Duration;
  readonly logRetention: logs.RetentionDays;
  /** Packages installed next to the bundle instead of bundled (native addons). */
  readonly nodeModules?: string[];
}

/**
 * One pipeline Lambda: Node 24 on arm64, bundled with the local esbuild
 * (never Docker) into ESM, with its own log group and X-Ray tracing.
 */
export class NodeFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const nodeModules = props.nodeModules ?? [];
    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: resolve(REPO_ROOT, props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: props.description,
      // Node 20 matches the repository toolchain (wrangler 4.86 pins the dev machines to Node 20).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(1),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node20',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: ESM_BANNER,
        // The AWS SDK is bundled, not taken from the runtime's copy: the functions run the
        // SDK version the tests ran (with its checksum settings, origin/core/s3-client.ts), and
        // @aws-sdk/lib-storage need not be in the runtime. It costs ~0.55 MB per bundle
        // (minified ~1.3-1.55 MB instead of ~0.78-0.96 MB; docs/benchmarks.md).
        externalModules: [],
        // An empty nodeModules list would still run an (empty) npm install per function.
        ...(nodeModules.length > 0 ? { nodeModules, environment: LINUX_ARM64_INSTALL } : {}),
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The AWS-managed basic execution role only grants writing to CloudWatch Logs; all data access is added as scoped inline grants.',
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions, so tracing must use Resource *.',
    });
  }
}

/**
 * sharp ships its native binary as an optional dependency per platform
 * (`@img/sharp-linux-arm64`). nodeModules runs `npm install` on the build host,
 * which would pick the host's binary (linux-x64 on CI); these npm settings make
 * it fetch the linux-arm64 glibc build the Lambda runtime needs instead.
 */
const LINUX_ARM64_INSTALL = {
  npm_config_os: 'linux',
  npm_config_cpu: 'arm64',
  npm_config_libc: 'glibc',
};
