/**
 * SVG originals: rasterised by sharp/librsvg with nothing fetched from
 * outside (a recording HTTP server on loopback proves no request is made),
 * entity declarations refused, oversized canvases refused as pixel bombs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  makeDeps,
  openTestDatabase,
  readObject,
  uploadAsset,
} from './support/ingest-env.ts';

let handle: DatabaseHandle;
let deps: ReturnType<typeof makeDeps>;
let owner: string;
let server: http.Server;
let origin: string;
const hits: string[] = [];

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  deps = makeDeps(handle.db);
  owner = await createUser(handle.db);
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'image/svg+xml');
    res.end('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await handle?.close();
});

async function ingestSvg(svg: string) {
  const bytes = Buffer.from(svg);
  const id = await uploadAsset(deps, owner, { bytes, sha256: true, declaredType: 'image/svg+xml', filename: 'drawing.svg' });
  const retry = await deliver(deps, id, bytes.length);
  return { id, retry, asset: await assetRow(handle.db, id), rows: await derivativeRows(handle.db, id) };
}

describe('SVG ingest', () => {
  it('rasterises a plain SVG to every variant, rendered sharp at the largest width', async () => {
    const { asset, rows } = await ingestSvg(
      '<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32" viewBox="0 0 64 32"><rect width="32" height="32" fill="#0a0"/></svg>',
    );
    expect(asset).toMatchObject({ status: 'ready', detectedType: 'image/svg+xml' });
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    // 64x32 drawn at 8x density (the cap) → 512x256; never more than that.
    expect(rows.find((r) => r.kind === 'w1024.webp')).toMatchObject({ width: 512, height: 256 });
    expect(rows.find((r) => r.kind === 'w150.jpg')).toMatchObject({ width: 150, height: 75 });
    const png = await sharp(await readObject(deps, 'derivatives', rows.find((r) => r.kind === 'w320.webp')!.key))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const at = (x: number) => [
      ...png.data.subarray((80 * png.info.width + x) * png.info.channels, (80 * png.info.width + x) * png.info.channels + 4),
    ];
    expect(at(40)[1]).toBeGreaterThan(150); // green where the rect is
    expect(at(280)[3]).toBe(0); // transparent elsewhere (webp keeps alpha)
  });

  it('fetches nothing an SVG points at: images, <use>, CSS imports, url() fills, external DTDs', async () => {
    await (await fetch(`${origin}/probe`)).text();
    expect(hits).toEqual(['/probe']); // the recorder does see requests
    hits.length = 0;
    const { asset } = await ingestSvg(`<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "${origin}/dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">
  <style>@import url(${origin}/css);</style>
  <image href="${origin}/image.svg" width="50" height="50"/>
  <image xlink:href="file:///etc/hostname" width="50" height="50"/>
  <use xlink:href="${origin}/use.svg#a"/>
  <rect width="10" height="10" fill="url(${origin}/fill#p)"/>
</svg>`);
    expect(asset.status).toBe('ready');
    expect(hits).toEqual([]);
  });

  it('refuses an SVG that declares entities (external or "billion laughs")', async () => {
    hits.length = 0;
    const { asset, rows, retry } = await ingestSvg(
      `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "${origin}/ent">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;&x;</text></svg>`,
    );
    expect(retry).toEqual([]);
    expect(asset).toMatchObject({ status: 'failed', statusReason: 'unsupported: SVG declares XML entities; refused to render' });
    expect(rows).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('refuses an SVG whose canvas is a pixel bomb', async () => {
    const { asset } = await ingestSvg(
      '<svg xmlns="http://www.w3.org/2000/svg" width="200000" height="200000"><rect width="1" height="1"/></svg>',
    );
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^pixel_limit: 200000x200000 /);
  });
});
