import { describe, expect, it } from 'vitest';
import { assetIdFromOriginalKey, derivativeKey, isVariantPath, originalKey } from '../../shared/storage/keys.ts';
import { encodeKey, S3Client } from '../../edge/storage/s3-client.ts';
import { decodeXml, elements, escapeXml, text } from '../../edge/storage/xml.ts';

const id = '0b7c6f1e-8d1a-4c7e-9a53-2f1f6f0f3b9a';

describe('storage keys', () => {
  it('derives keys from ids only', () => {
    expect(originalKey(id)).toBe(`${id}/original`);
    expect(derivativeKey(id, 'w640.webp')).toBe(`${id}/w640.webp`);
    expect(derivativeKey(id, 'hls/720p/seg_001.ts')).toBe(`${id}/hls/720p/seg_001.ts`);
    expect(assetIdFromOriginalKey(`${id}/original`)).toBe(id);
    expect(assetIdFromOriginalKey(`${id}/w640.webp`)).toBeNull();
  });

  it.each(['../x', 'a/../b', '/abs', 'a//b', 'UPPER.jpg', 'a/', '', 'x'.repeat(201), 'a\\b', 'sp ace'])('refuses the variant %j', (v) => {
    expect(isVariantPath(v)).toBe(false);
    expect(() => derivativeKey(id, v)).toThrow(TypeError);
  });

  it('refuses anything but a uuid as asset id', () => {
    expect(() => originalKey('../etc/passwd')).toThrow(TypeError);
    expect(() => originalKey(id.toUpperCase())).toThrow(TypeError);
  });
});

describe('S3 URLs', () => {
  const opts = { region: 'eu-central-1', accessKeyId: 'k', secretAccessKey: 's' };

  it('builds path-style URLs with each key segment encoded', () => {
    const c = new S3Client({ ...opts, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(c.url('raw', "a b+c/it's(1)*.txt").toString()).toBe('http://127.0.0.1:9000/raw/a%20b%2Bc/it%27s%281%29%2A.txt');
  });

  it('builds virtual-hosted URLs for AWS', () => {
    const c = new S3Client({ ...opts, endpoint: 'https://s3.eu-central-1.amazonaws.com', forcePathStyle: false });
    expect(c.url('my-bucket', 'k/1', { uploadId: 'u' }).toString()).toBe('https://my-bucket.s3.eu-central-1.amazonaws.com/k/1?uploadId=u');
  });

  it('encodes unicode keys as UTF-8', () => {
    expect(encodeKey('été/ü')).toBe('%C3%A9t%C3%A9/%C3%BC');
  });
});

describe('S3 XML reading', () => {
  it('reads elements and decodes entities', () => {
    const xml = '<R><Contents><Key>a&amp;b</Key></Contents><Contents><Key>&#x263A;&lt;</Key></Contents></R>';
    expect(elements(xml, 'Contents').map((c) => text(c, 'Key'))).toEqual(['a&b', '☺<']);
    expect(text(xml, 'Missing')).toBeUndefined();
  });

  it('round-trips escaping', () => {
    const s = `<a href="x">'&'</a>`;
    expect(decodeXml(escapeXml(s))).toBe(s);
  });

  it('does not confuse a tag with a longer one sharing its prefix', () => {
    expect(text('<X><KeyCount>3</KeyCount><Key>k</Key></X>', 'Key')).toBe('k');
  });
});
