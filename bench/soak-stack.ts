/**
 * The stack under soak, in a process of its own (bench/soak.ts starts it and
 * measures its memory by PID): the local stack as `npm run dev` builds it,
 * except that its edge is restarted with workerd's V8 inspector open, so the
 * soak can read the isolate's heap. Prints one JSON line when ready:
 * `{ edge, inspectorPort }`; stops on SIGTERM.
 */
import path from 'node:path';
import { startEdge } from '../local/edge-runtime.ts';
import { freePort } from '../local/ports.ts';
import { startLocalStack } from '../local/stack.ts';
import { devConfigSchema, parseConfig } from '../shared/config.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: soak-stack.ts DATA_DIR');

const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
const stack = await startLocalStack(config, { log: () => {} });
// One workerd only: the stack's own edge gives way to one with the inspector open.
await stack.edge.close();
const inspectorPort = await freePort();
const edge = await startEdge({
  scriptPath: path.join(dataDir, 'edge-build', 'index.js'),
  port: 0,
  bindings: stack.bindings,
  assetsDirectory: path.join(dataDir, 'web'),
  inspectorPort,
});
console.log(JSON.stringify({ edge: edge.url, inspectorPort }));

process.on('SIGTERM', () => {
  void (async () => {
    await edge.close();
    await stack.close();
    process.exit(0);
  })();
});
