/**
 * Streams a stored ZIP (./zip-format.ts) from entry sources opened one at a
 * time, computing each CRC-32 as its bytes pass: nothing is buffered beyond
 * the chunk in hand, so memory stays flat whatever the archive's size. A
 * source that sends more or fewer bytes than its entry declared errors the
 * stream (the length was promised in `Content-Length`; a short archive is
 * better than a wrong one). A byte window (`start`..`end`) serves a Range:
 * the bytes before it are still read, because the central directory needs
 * every CRC, but not sent.
 *
 * Cost per chunk, not per byte, dominates in workerd (bench/zip-downloads.ts):
 * sources are read in chunks of at least 256 KiB where the runtime offers it
 * (`readAtLeast` on a BYOB reader), and the output is workerd's native
 * `FixedLengthStream` (which also makes the promised length the framing),
 * written to by one loop. Elsewhere (Node, tests) a plain ReadableStream.
 */
import { crc32 } from 'node:zlib';
import { centralHeader, dataDescriptor, endRecords, layout, localHeader, type LayoutOptions, type ZipEntry } from './zip-format.ts';

export interface ZipSource {
  entry: ZipEntry;
  /** The entry's bytes, opened when the archive reaches it. */
  open: () => Promise<ReadableStream<Uint8Array>>;
}

export class ZipSourceError extends Error {
  override name = 'ZipSourceError';
}

const MIN_READ = 256 * 1024;
const READ_BUFFER = 1024 * 1024;

type Reader = { read(): Promise<ReadableStreamReadResult<Uint8Array>>; cancel(reason?: unknown): Promise<void> };

/** A reader that hands out big chunks where the stream and runtime allow it. */
function bigChunks(stream: ReadableStream<Uint8Array>, size: number): Reader {
  let left = size;
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: the default reader.
  }
  if (!byob) return stream.getReader();
  const reader = byob as ReadableStreamBYOBReader & {
    readAtLeast?: (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
  };
  return {
    // Buffers no larger than what is left of the entry (one byte past it, to notice a longer source).
    read: async () => {
      const buffer = new Uint8Array(Math.min(READ_BUFFER, Math.max(1, left)));
      const r = reader.readAtLeast
        ? await reader.readAtLeast(Math.min(MIN_READ, buffer.byteLength), buffer)
        : ((await reader.read(buffer)) as ReadableStreamReadResult<Uint8Array>);
      if (r.value) left -= r.value.byteLength;
      return r;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

async function* archiveChunks(sources: readonly ZipSource[], o: LayoutOptions, readers: { current?: Reader }) {
  const entries = sources.map((s) => s.entry);
  const plan = layout(entries, o);
  const crcs: number[] = [];
  for (const [i, source] of sources.entries()) {
    const { entry } = source;
    yield localHeader(entry, o);
    let crc = 0;
    let sent = 0;
    const reader = bigChunks(await source.open(), entry.size);
    readers.current = reader;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!value || value.byteLength === 0) continue;
      sent += value.byteLength;
      if (sent > entry.size) throw new ZipSourceError(`entry ${i} is longer than declared`);
      crc = crc32(value, crc);
      yield value;
    }
    readers.current = undefined;
    if (sent !== entry.size) throw new ZipSourceError(`entry ${i} is shorter than declared`);
    crcs.push(crc >>> 0);
    yield dataDescriptor(entry, crc >>> 0, o);
  }
  for (const [i, entry] of entries.entries()) yield centralHeader(entry, crcs[i]!, plan.offsets[i]!, o);
  yield endRecords(entries.length, plan.directoryOffset, plan.directorySize, plan.zip64End);
}

/** The chunks of the window, in order. */
async function* windowed(chunks: AsyncGenerator<Uint8Array>, start: number, end: number) {
  let at = 0;
  for await (const chunk of chunks) {
    const from = at;
    at += chunk.byteLength;
    if (at <= start) continue; // before the window: read (for the CRC), not sent
    const slice = chunk.subarray(Math.max(0, start - from), Math.min(chunk.byteLength, end + 1 - from));
    if (slice.byteLength > 0) yield slice;
    if (at > end) return;
  }
}

const aborted = (err: unknown) => console.warn(JSON.stringify({ level: 'warn', msg: 'archive stream aborted', error: String(err) }));

type FixedLength = new (length: number | bigint) => { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };

/** The archive's bytes `start`..`end` (inclusive; the whole archive by default). */
export function zipStream(
  sources: readonly ZipSource[],
  o: LayoutOptions = {},
  window: { start: number; end: number } | null = null,
): ReadableStream<Uint8Array> {
  const readers: { current?: Reader } = {};
  const all = archiveChunks(sources, o, readers);
  const length = layout(
    sources.map((s) => s.entry),
    o,
  ).length;
  const start = window?.start ?? 0;
  const end = window?.end ?? length - 1;
  const chunks = windowed(all, start, end);
  const stop = async (reason?: unknown) => {
    await readers.current?.cancel(reason).catch(() => undefined);
    await all.return(undefined);
  };

  const Fixed = (globalThis as { FixedLengthStream?: FixedLength }).FixedLengthStream;
  if (Fixed) {
    // workerd: one loop writes into the native stream; its backpressure paces storage reads.
    const { readable, writable } = new Fixed(end - start + 1);
    const writer = writable.getWriter();
    void (async () => {
      try {
        for await (const chunk of chunks) await writer.write(chunk);
        await writer.close();
      } catch (err) {
        aborted(err);
        await stop(err);
        await writer.abort(err).catch(() => undefined);
      }
    })();
    return readable;
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (err) {
          aborted(err);
          await stop(err);
          controller.error(err);
        }
      },
      cancel: (reason) => stop(reason),
    },
    { highWaterMark: 0 },
  );
}
