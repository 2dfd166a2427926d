/**
 * `GET /api/openapi.json` (OpenAPI 3.1, generated from the routers' zod
 * schemas) and `GET /api/docs`, a readable reference page rendered here from
 * that document with no external scripts (the page works offline and its
 * CSP allows nothing but its own inline style).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { html, raw } from 'hono/html';
import type { AppEnv } from '../env.ts';

/** The document's header (also used by web/gen-api.ts). */
export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Media platform API',
    version: '1.0.0',
    description: 'Library, sharing, uploads and media delivery. Errors are `{ error: { code, message, requestId } }`.',
  },
};

type Doc = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;

export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  let cached: Doc | undefined;
  const doc = () => (cached ??= app.getOpenAPI31Document(OPENAPI_INFO));
  app.get('/api/openapi.json', (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(doc());
  });
  app.get('/api/docs', (c) => {
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    c.header('cache-control', 'public, max-age=300');
    return c.html(renderReference(doc()));
  });
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function renderReference(doc: Doc) {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => {
      const op = (
        item as Record<
          string,
          {
            summary?: string;
            description?: string;
            tags?: string[];
            responses?: Record<string, { description?: string }>;
            requestBody?: unknown;
            parameters?: { name: string; in: string; required?: boolean }[];
          }
        >
      )[m]!;
      const params = (op.parameters ?? []).map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`).join(', ');
      const responses = Object.entries(op.responses ?? {})
        .map(([s, r]) => `${s} ${r.description ?? ''}`)
        .join('; ');
      return html`<section>
        <h3><span class="m ${m}">${m.toUpperCase()}</span> <code>${path}</code></h3>
        ${op.summary ? html`<p>${op.summary}</p>` : ''}
        ${params ? html`<p><b>Parameters:</b> ${params}</p>` : ''}
        ${op.requestBody ? html`<details><summary>Request body schema</summary><pre>${JSON.stringify(op.requestBody, null, 2)}</pre></details>` : ''}
        <p><b>Responses:</b> ${responses}</p>
      </section>`;
    }),
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-size:.8rem;padding:.1rem .4rem;border-radius:.25rem;color:#fff;background:#555}
.get{background:#2b6cb0}.post{background:#2f855a}.patch,.put{background:#b7791f}.delete{background:#c53030}</style></head>
<body><h1>${doc.info.title}</h1><p>${doc.info.description ?? ''}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a></p>
${raw(rows.join(''))}
</body></html>`;
}
