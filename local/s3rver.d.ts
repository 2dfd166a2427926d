declare module '@20minutes/s3rver' {
  import type { Server } from 'node:http';
  import type { EventEmitter } from 'node:events';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  interface KoaContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    params: Record<string, string | undefined>;
    state: Record<string, unknown>;
    status: number;
    body: unknown;
    type: string;
    set(name: string, value: string): void;
  }
  type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;
  class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    middleware: Middleware[];
    store: {
      rootDirectory: string;
      getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    };
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    httpServer?: Server;
  }
  export default S3rver;
}
declare module '@20minutes/s3rver/lib/middleware/authentication.js' {
  const authentication: () => (ctx: unknown, next: () => Promise<void>) => Promise<void>;
  export default authentication;
}
declare module '@20minutes/s3rver/lib/models/account.js' {
  const account: { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  export default account;
}
declare module '@20minutes/s3rver/lib/middleware/cors.js' {
  const cors: () => (ctx: unknown, next: () => Promise<void>) => Promise<void>;
  export default cors;
}
