/**
 * Streams a stored ZIP (./zip-format.ts) from entry sources opened one at a
 * time, computing each CRC-32 as its bytes pass: nothing is buffered beyond
 * the chunk in hand, so memory stays flat whatever the archive's size. A
 * source that sends more or fewer bytes than its entry declared errors the
 * stream (the length was promised in `Content-Length`; a short archive is
 * better than a wrong one). A byte window (`start`..`end`) serves a Range:
 * the bytes before it are still read, because the central directory needs
 * every CRC, but not sent.
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

async function* archiveChunks(
  sources: readonly ZipSource[],
  o: LayoutOptions,
  readers: { current?: ReadableStreamDefaultReader<Uint8Array> },
) {
  const entries = sources.map((s) => s.entry);
  const plan = layout(entries, o);
  const crcs: number[] = [];
  for (const [i, source] of sources.entries()) {
    const { entry } = source;
    yield localHeader(entry, o);
    let crc = 0;
    let sent = 0;
    const reader = (await source.open()).getReader();
    readers.current = reader;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
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

/** The archive's bytes `start`..`end` (inclusive; the whole archive by default). */
export function zipStream(
  sources: readonly ZipSource[],
  o: LayoutOptions = {},
  window: { start: number; end: number } | null = null,
): ReadableStream<Uint8Array> {
  const readers: { current?: ReadableStreamDefaultReader<Uint8Array> } = {};
  const chunks = archiveChunks(sources, o, readers);
  const start = window?.start ?? 0;
  const end = window?.end ?? Number.MAX_SAFE_INTEGER;
  let at = 0;
  const pump = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    for (;;) {
      if (at > end) {
        controller.close();
        await readers.current?.cancel().catch(() => undefined);
        return;
      }
      const next = await chunks.next();
      if (next.done) {
        controller.close();
        return;
      }
      const chunk = next.value;
      const from = at;
      at += chunk.byteLength;
      if (at <= start) continue; // before the window: read (for the CRC), not sent
      const slice = chunk.subarray(Math.max(0, start - from), Math.min(chunk.byteLength, end + 1 - from));
      if (slice.byteLength > 0) {
        controller.enqueue(slice);
        return;
      }
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          await pump(controller);
        } catch (err) {
          // Headers (and Content-Length) are gone: all that is left is to cut the stream short.
          console.warn(JSON.stringify({ level: 'warn', msg: 'archive stream aborted', error: String(err) }));
          await readers.current?.cancel().catch(() => undefined);
          controller.error(err);
        }
      },
      async cancel(reason) {
        await readers.current?.cancel(reason).catch(() => undefined);
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
