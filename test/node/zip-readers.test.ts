/**
 * The edge's ZIP encoder (edge/downloads/zip-stream.ts, the same module the
 * Worker runs; node:zlib's crc32 exists in both) checked by foreign readers:
 * Debian's `unzip -t`, Python's `zipfile` (testzip, names, sizes, times) and
 * `7z t`. Cases: UTF-8 and hostile names made safe and unique, every entry
 * Zip64 (the records a >4 GiB archive needs, on a small one), more than
 * 65,535 entries, and Range windows that add up to the whole archive. The
 * archive over 4 GiB through workerd is bench/zip-downloads.ts (too slow for
 * the suite on two cores).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveLength, type ZipEntry } from '../../edge/downloads/zip-format.ts';
import { UniqueNames } from '../../edge/downloads/zip-names.ts';
import { type ZipSource, zipStream } from '../../edge/downloads/zip-stream.ts';

const dir = mkdtempSync(join(tmpdir(), 'zip-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

/** Sources whose bytes arrive in uneven chunks, as storage sends them. */
function sources(files: { name: string; data: Uint8Array; mtime?: Date }[]): ZipSource[] {
  return files.map((f) => ({
    entry: { name: enc.encode(f.name), size: f.data.byteLength, mtime: f.mtime ?? new Date(Date.UTC(2024, 5, 1, 12, 30, 10)) },
    open: async () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let at = 0; at < f.data.byteLength; at += 7919) c.enqueue(f.data.subarray(at, at + 7919));
          c.close();
        },
      }),
  }));
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function write(name: string, srcs: ZipSource[], forceZip64 = false): Promise<{ path: string; bytes: Uint8Array }> {
  const bytes = await collect(zipStream(srcs, { forceZip64 }));
  expect(bytes.byteLength).toBe(
    archiveLength(
      srcs.map((s) => s.entry),
      { forceZip64 },
    ),
  );
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C.UTF-8' } });

const PY = `
import sys, zipfile, json
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
print(json.dumps({"bad": bad, "count": len(z.infolist()), "first": [[i.filename, i.file_size, list(i.date_time), i.flag_bits] for i in z.infolist()[:8]]}))
`;

function readers(path: string) {
  const unzip = run('unzip', ['-t', path]);
  expect(unzip).toMatch(/No errors detected/);
  const py = JSON.parse(run('python3', ['-c', PY, path])) as {
    bad: string | null;
    count: number;
    first: [string, number, number[], number][];
  };
  expect(py.bad).toBeNull();
  const sevenZ = run('7z', ['t', path]);
  expect(sevenZ).toMatch(/Everything is Ok/);
  return { unzip, py, sevenZ };
}

describe('foreign readers accept the archives', () => {
  it('names: UTF-8 flag, unsafe names made safe, duplicates numbered, times and sizes kept', async () => {
    const names = new UniqueNames();
    const raw = [
      'Été à Zürich.jpg',
      '../../etc/passwd',
      '/abs/path.txt',
      'a\\b.txt',
      'photo.JPG',
      'photo.jpg',
      'photo.jpg',
      'MANIFEST.txt',
      '..',
      'con\u0000trol\n.txt',
    ];
    const files = raw.map((n, i) => ({ name: names.take(n), data: bytesOf(1000 + i * 37, i) }));
    expect(files.map((f) => f.name)).toEqual([
      'Été à Zürich.jpg',
      'etc_passwd',
      'abs_path.txt',
      'a_b.txt',
      'photo.JPG',
      'photo (2).jpg',
      'photo (3).jpg',
      'MANIFEST (2).txt',
      'file',
      'con_trol_.txt',
    ]);
    const { path } = await write('names.zip', sources(files));
    const { py } = readers(path);
    expect(py.count).toBe(files.length);
    const [first] = py.first;
    expect(first).toEqual(['Été à Zürich.jpg', 1000, [2024, 6, 1, 12, 30, 10], 0x0808]);
    // The bytes come back exactly.
    const out = run('unzip', ['-p', path, 'photo (3).jpg']);
    expect(out.length).toBeGreaterThan(0);
    const py2 = run('python3', [
      '-c',
      'import sys,zipfile,hashlib;print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])).hexdigest())',
      path,
      'a_b.txt',
    ]);
    const { createHash } = await import('node:crypto');
    expect(py2.trim()).toBe(createHash('sha256').update(files[3]!.data).digest('hex'));
  });

  it('every entry Zip64 (extra fields in local and central headers, Zip64 end records)', async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `part-${i}.bin`, data: bytesOf(50_000 + i, i) }));
    const { path, bytes } = await write('forced.zip', sources(files), true);
    const { unzip, py } = readers(path);
    expect(unzip).toMatch(/part-4\.bin/);
    expect(py.count).toBe(5);
    // A Zip64 end-of-central-directory record is present (signature 0x06064b50).
    const tail = Buffer.from(bytes.subarray(bytes.length - 200));
    expect(tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
  });

  it('more than 65,535 entries', async () => {
    const n = 70_000;
    const one = enc.encode('x');
    const srcs: ZipSource[] = Array.from({ length: n }, (_, i) => ({
      entry: { name: enc.encode(`f${i}.txt`), size: 1, mtime: new Date(Date.UTC(2023, 0, 1)) },
      open: async () => new Response(one).body!,
    }));
    const { path } = await write('many.zip', srcs);
    const { py, sevenZ } = readers(path);
    expect(py.count).toBe(n);
    expect(sevenZ).toMatch(/Files: 70000/);
  });

  it('range windows add up to the whole archive', async () => {
    const srcs = () =>
      sources([
        { name: 'a.bin', data: bytesOf(100_000, 1) },
        { name: 'b.bin', data: bytesOf(3, 2) },
      ]);
    const whole = await collect(zipStream(srcs()));
    const cuts = [0, 1, 29, 30, 70_000, 100_050, whole.length - 30, whole.length];
    const parts: Uint8Array[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) parts.push(await collect(zipStream(srcs(), {}, { start: cuts[i]!, end: cuts[i + 1]! - 1 })));
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
  });

  it('a source shorter or longer than declared errors the stream instead of making a wrong archive', async () => {
    const entry: ZipEntry = { name: enc.encode('x.bin'), size: 10, mtime: new Date() };
    for (const data of [bytesOf(9, 0), bytesOf(11, 0)]) {
      const src: ZipSource = { entry, open: async () => new Response(data).body! };
      await expect(collect(zipStream([src]))).rejects.toThrow(/declared/);
    }
  });
});
