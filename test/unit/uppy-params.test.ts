/** What the upload page's fetch wrapper sends to `GET /s3/params` for Uppy. */
import { expect, test } from 'vitest';
import { withoutUnsetMeta } from '../../web/src/components/uppy-params.ts';

const base = 'https://media.example/s3/params?filename=a.jpg&type=image%2Fjpeg&metadata%5Bsize%5D=981';

test('a meta field the file does not have is left out', () => {
  const out = new URL(withoutUnsetMeta(`${base}&metadata%5BcollectionId%5D=undefined`));
  expect(out.searchParams.has('metadata[collectionId]')).toBe(false);
  expect(out.searchParams.get('metadata[size]')).toBe('981');
  expect(out.searchParams.get('filename')).toBe('a.jpg');
});

test('set fields, and anything outside metadata, pass unchanged', () => {
  const id = '4307e95e-1318-4ea6-b72f-952d876a4447';
  expect(withoutUnsetMeta(`${base}&metadata%5BcollectionId%5D=${id}`)).toBe(`${base}&metadata%5BcollectionId%5D=${id}`);
  const named = 'https://media.example/s3/params?filename=undefined&type=image%2Fjpeg';
  expect(withoutUnsetMeta(named)).toBe(named);
});
