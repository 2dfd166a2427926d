/** Type sniffing from bytes only, and the end-marker check behind truncation detection. */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, classify, endMarker, sniff } from '../../origin/processing/sniff.ts';

const text = (s: string) => sniff(Buffer.from(s));

describe('sniff', () => {
  it('recognises binary images by their magic numbers', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#f00' } })
      .png()
      .toBuffer();
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .jpeg()
      .toBuffer();
    const webp = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .webp()
      .toBuffer();
    expect(await sniff(png)).toEqual({ mime: 'image/png', kind: 'image', category: 'image' });
    expect(await sniff(jpeg)).toMatchObject({ mime: 'image/jpeg', kind: 'image' });
    expect(await sniff(webp)).toMatchObject({ mime: 'image/webp', kind: 'image' });
  });

  it('classifies PDF as a document, MP4 as video, gzip as an archive', async () => {
    expect(await text('%PDF-1.7\n1 0 obj\n')).toEqual({ mime: 'application/pdf', kind: 'document', category: 'document' });
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isommp42', 'latin1')]);
    expect(await sniff(mp4)).toMatchObject({ mime: 'video/mp4', kind: 'video', category: 'video' });
    expect(await sniff(deflateSync(Buffer.from('x')))).toMatchObject({ kind: 'other' }); // raw deflate has no magic
    expect(await sniff(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]))).toMatchObject({ mime: 'application/gzip', category: 'archive' });
  });

  it('finds SVG behind an XML declaration, comments, a DOCTYPE with an internal subset, and a namespace prefix', async () => {
    expect(await text('<svg xmlns="http://www.w3.org/2000/svg"/>')).toMatchObject({ mime: 'image/svg+xml', kind: 'image' });
    expect(
      await text('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<!DOCTYPE svg [ <!ENTITY a "b"> ]>\n<svg/>'),
    ).toMatchObject({
      mime: 'image/svg+xml',
    });
    expect(await text('<?xml version="1.0"?><svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>')).toMatchObject({ mime: 'image/svg+xml' });
  });

  it('tells HTML, other XML and plain text apart (what a browser would run is never plain text)', async () => {
    expect(await text('<!doctype html><title>x</title>')).toMatchObject({ mime: 'text/html', category: 'text' });
    expect(await text('<html><body>hi</body></html>')).toMatchObject({ mime: 'text/html' });
    expect(await text('hello <script>alert(1)</script>')).toMatchObject({ mime: 'text/html' });
    expect(await text('<?xml version="1.0"?><feed/>')).toMatchObject({ mime: 'application/xml', kind: 'other' });
    expect(await text('just words, ünïcödé ✓\n')).toEqual({ mime: 'text/plain', kind: 'other', category: 'text' });
  });

  it('calls bytes with NULs or invalid UTF-8 binary, and nothing at all empty', async () => {
    expect(await sniff(Buffer.from([0x00, 0x01, 0x02, 0x41]))).toEqual({
      mime: 'application/octet-stream',
      kind: 'other',
      category: 'other',
    });
    expect(await sniff(Buffer.from([0x41, 0xc3, 0x28, 0x41]))).toMatchObject({ mime: 'application/octet-stream' });
    expect(await sniff(new Uint8Array(0))).toMatchObject({ mime: 'application/x-empty', kind: 'other' });
  });

  it('accepts text whose sample ends in the middle of a multi-byte character', async () => {
    const long = Buffer.from('é'.repeat(SNIFF_BYTES)); // 2 bytes each: the cut lands mid-character
    expect(await sniff(long.subarray(0, SNIFF_BYTES + 1))).toMatchObject({ mime: 'text/plain' });
  });

  it('ignores what the file claims to be in favour of the bytes (a PNG named .txt is still a PNG)', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect((await sniff(png)).mime).toBe('image/png');
    expect(classify('image/heic')).toMatchObject({ kind: 'image' });
    expect(classify('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toMatchObject({
      kind: 'other',
      category: 'document',
    });
  });
});

describe('endMarker', () => {
  it('sees JPEG EOI, PNG IEND and PDF %%EOF, allowing trailing padding', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(endMarker('image/jpeg', jpeg.subarray(-1024))).toBe('present');
    expect(endMarker('image/jpeg', Buffer.concat([jpeg, Buffer.alloc(16)]).subarray(-1024))).toBe('present');
    expect(endMarker('image/jpeg', jpeg.subarray(0, jpeg.length - 40).subarray(-1024))).toBe('missing');
    expect(endMarker('image/png', png.subarray(-1024))).toBe('present');
    expect(endMarker('image/png', png.subarray(0, png.length - 5))).toBe('missing');
    expect(endMarker('application/pdf', Buffer.from('...trailer\nstartxref\n123\n%%EOF\r\n'))).toBe('present');
    expect(endMarker('application/pdf', Buffer.from('...obj\nendobj\n'))).toBe('missing');
    expect(endMarker('video/mp4', Buffer.from('anything'))).toBe('unknown');
  });
});
