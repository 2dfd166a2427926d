/**
 * Somebody else's web site, for embedding tests: a tiny HTTP server on its
 * own 127.0.0.1 port (so another origin than the edge) serving one page and
 * hls.js from node_modules. The page has helpers the test calls: play an
 * HLS URL with hls.js in a new <video>, and draw an image URL on a canvas
 * and read a pixel back (which throws if the canvas is tainted).
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const hlsJs = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>A blog that embeds media</title><script src="/hls.js"></script></head>
<body><h1>Embedded</h1><script>
  window.players = [];
  window.hlsErrors = [];
  /** Starts playing an HLS URL; returns the index of its player. */
  window.play = (src) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.hlsErrors.push(d.type + ': ' + d.details); });
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => window.hlsErrors.push('play: ' + e.message)));
    hls.loadSource(src);
    hls.attachMedia(video);
    return window.players.push(video) - 1;
  };
  window.currentTime = (i) => window.players[i].currentTime;
  /** Draws a CORS image on a canvas and reads its centre pixel back. */
  window.drawAndRead = (src) => new Promise((resolve, reject) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onerror = () => reject(new Error('image did not load: ' + src));
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      try {
        resolve(Array.from(ctx.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data));
      } catch (e) {
        reject(new Error('tainted: ' + e.message));
      }
    };
    img.src = src;
  });
</script></body></html>`;

export interface ThirdPartySite {
  url: string;
  close(): Promise<void>;
}

export async function startThirdPartySite(): Promise<ThirdPartySite> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (req.url === '/hls.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      createReadStream(hlsJs).pipe(res);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end(); // asked by the browser; a 404 would be logged as a console error
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
