/**
 * PUT a byte range of a file to a (presigned) URL with node:http(s), piping
 * from disk with backpressure. Not fetch: Node 20's fetch (undici 6) reads a
 * streamed request body as fast as the disk gives it and holds what the
 * socket has not taken yet — measured here, a 1 GiB body raised the client's
 * RSS to 1.09 GB, the same PUT piped through node:http stayed at 83 MB.
 */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Throttle } from './throttle.ts';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

export interface PutResult {
  status: number;
  etag: string | null;
  text: string;
}

export interface PutRange {
  url: string;
  file: string;
  /** Bytes [start, end) of the file. */
  start: number;
  end: number;
  headers?: Record<string, string>;
  throttle?: Throttle;
  /** Called with each chunk's length as it is handed to the socket. */
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
}

export function putFromFile(o: PutRange): Promise<PutResult> {
  const url = new URL(o.url);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<PutResult>((resolve, reject) => {
    const req = lib.request(url, {
      method: 'PUT',
      agent: agents[url.protocol as 'http:' | 'https:'],
      headers: { ...o.headers, 'content-length': String(o.end - o.start) },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          etag: (res.headers.etag as string | undefined) ?? null,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    const pace = new Transform({
      async transform(chunk: Buffer, _enc, done) {
        try {
          await o.throttle?.take(chunk.length);
          o.onBytes?.(chunk.length);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
    const source = o.end > o.start ? createReadStream(o.file, { start: o.start, end: o.end - 1, highWaterMark: 256 * 1024 }) : [];
    // A storage server may answer (a refusal) before the body is sent: the response decides, not the pipe.
    pipeline(source, pace, req).catch((err: unknown) => {
      if (!req.writableFinished) req.destroy(err as Error);
    });
  });
}
