/**
 * Names that lie are refused: every field people read — file names (upload
 * start, multipart start, /s3/params), titles, descriptions, collection,
 * tag, org, group and user names — answers each class of deceptive or
 * broken character with 400 `validation_failed` naming the field and the
 * class; legitimate text (RTL scripts, ZWNJ, emoji ZWJ and tag sequences)
 * is kept, NFC-normalised.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { api, seedCollection, seedOrg } from './support/sharing-api.ts';

let owner: string;
let asset: string;
let collection: string;
let org: string;

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'text-owner'));
  asset = await withDb((db) => createAsset(db, owner));
  collection = await seedCollection(owner);
  org = await seedOrg(owner);
});

/** One bad character per class, and the field code it must be refused with. */
const CLASSES: [string, string, string][] = [
  ['RLO U+202E', '\u202E', 'bidi_control'],
  ['LRI U+2066', '\u2066', 'bidi_control'],
  ['PDI U+2069', '\u2069', 'bidi_control'],
  ['LRM U+200E', '\u200E', 'bidi_control'],
  ['RLM U+200F', '\u200F', 'bidi_control'],
  ['ALM U+061C', '\u061C', 'bidi_control'],
  ['ZWSP U+200B', '\u200B', 'invisible_character'],
  ['WJ U+2060', '\u2060', 'invisible_character'],
  ['BOM U+FEFF', '\uFEFF', 'invisible_character'],
  ['soft hyphen U+00AD', '\u00AD', 'invisible_character'],
  ['BEL U+0007', '\u0007', 'control_character'],
  ['ESC U+001B', '\u001B', 'control_character'],
  ['DEL U+007F', '\u007F', 'control_character'],
  ['NEL U+0085 (C1)', '\u0085', 'control_character'],
  ['CSI U+009B (C1)', '\u009B', 'control_character'],
  ['line separator U+2028', '\u2028', 'control_character'],
  ['lone CR', '\r', 'control_character'],
  ['NUL', '\u0000', 'nul'],
  ['unpaired high surrogate', '\uD800', 'lone_surrogate'],
  ['unpaired low surrogate', '\uDC00', 'lone_surrogate'],
  ['noncharacter U+FFFE', '\uFFFE', 'noncharacter'],
];
/** Refused in one-line fields only. */
const ONE_LINE_ONLY: [string, string, string][] = [
  ['LF', '\n', 'control_character'],
  ['TAB', '\t', 'control_character'],
];

interface Field {
  name: string;
  field: string;
  multiline?: boolean;
  send: (text: string) => Promise<Response>;
}

const bad = (c: string) => `inv${c}oice.pdf`;
const FIELDS: Field[] = [
  {
    name: 'POST /api/uploads filename',
    field: 'filename',
    send: (t) => api('POST', '/api/uploads', { as: owner, json: { filename: t, size: 10, contentType: 'image/jpeg' } }),
  },
  {
    name: 'POST /s3/multipart filename',
    field: 'filename',
    send: (t) =>
      api('POST', '/s3/multipart', { as: owner, json: { filename: t, type: 'video/mp4', metadata: { size: 200 * 1024 * 1024 } } }),
  },
  {
    name: 'PATCH /api/assets/:id title',
    field: 'title',
    send: (t) => api('PATCH', `/api/assets/${asset}`, { as: owner, json: { title: t } }),
  },
  {
    name: 'PATCH /api/assets/:id description',
    field: 'description',
    multiline: true,
    send: (t) => api('PATCH', `/api/assets/${asset}`, { as: owner, json: { description: t } }),
  },
  {
    name: 'PUT /api/assets/:id/tags',
    field: 'tags.1',
    send: (t) => api('PUT', `/api/assets/${asset}/tags`, { as: owner, json: { tags: ['fine', t] } }),
  },
  { name: 'POST /api/collections name', field: 'name', send: (t) => api('POST', '/api/collections', { as: owner, json: { name: t } }) },
  {
    name: 'POST /api/collections description',
    field: 'description',
    multiline: true,
    send: (t) => api('POST', '/api/collections', { as: owner, json: { name: 'ok', description: t } }),
  },
  {
    name: 'PATCH /api/collections/:id name',
    field: 'name',
    send: (t) => api('PATCH', `/api/collections/${collection}`, { as: owner, json: { name: t } }),
  },
  {
    name: 'PATCH /api/collections/:id description',
    field: 'description',
    multiline: true,
    send: (t) => api('PATCH', `/api/collections/${collection}`, { as: owner, json: { description: t } }),
  },
  {
    name: 'POST /api/orgs name',
    field: 'name',
    send: (t) => api('POST', '/api/orgs', { as: owner, json: { name: t, slug: `s-${crypto.randomUUID().slice(0, 8)}` } }),
  },
  { name: 'PATCH /api/orgs/:id name', field: 'name', send: (t) => api('PATCH', `/api/orgs/${org}`, { as: owner, json: { name: t } }) },
  {
    name: 'POST /api/orgs/:id/groups name',
    field: 'name',
    send: (t) => api('POST', `/api/orgs/${org}/groups`, { as: owner, json: { name: t } }),
  },
  {
    name: 'POST /api/auth/register name',
    field: 'name',
    send: (t) =>
      api('POST', '/api/auth/register', {
        json: { email: `r-${crypto.randomUUID()}@example.test`, password: 'correct horse battery', name: t },
      }),
  },
];

async function refusal(res: Response): Promise<{ field: string; code: string }[]> {
  const text = await res.text();
  expect(res.status, text).toBe(400);
  const body = JSON.parse(text) as { error: { code: string; details?: { fields: { field: string; code: string }[] } } };
  expect(body.error.code).toBe('validation_failed');
  return body.error.details!.fields;
}

describe('every name people read refuses characters that lie', () => {
  for (const f of FIELDS) {
    it(f.name, async () => {
      const classes = f.multiline ? CLASSES : [...CLASSES, ...ONE_LINE_ONLY];
      const wrong: string[] = [];
      for (const [label, ch, code] of classes) {
        const fields = await refusal(await f.send(bad(ch)));
        if (!fields.some((x) => x.field === f.field && x.code === code)) wrong.push(`${label}: ${JSON.stringify(fields)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('GET /s3/params filename (a query string)', async () => {
    const params = (name: string) => `/s3/params?filename=${encodeURIComponent(name)}&type=image%2Fjpeg&metadata%5Bsize%5D=10`;
    for (const [, ch, code] of [...CLASSES, ...ONE_LINE_ONLY].filter(([, ch]) => !/[\uD800-\uDFFF]/.test(ch))) {
      expect(await refusal(await api('GET', params(bad(ch)), { as: owner }))).toContainEqual(
        expect.objectContaining({ field: 'filename', code }),
      );
    }
    // An unpaired surrogate cannot be percent-encoded as UTF-8: its CESU bytes are refused as encoding.
    expect(
      await refusal(await api('GET', '/s3/params?filename=a%ED%A0%80&type=image%2Fjpeg&metadata%5Bsize%5D=10', { as: owner })),
    ).toContainEqual(expect.objectContaining({ field: 'filename', code: 'invalid_encoding' }));
  });
});

describe('legitimate text is kept', () => {
  const names = {
    hebrew: 'שלום עולם',
    arabic: 'مرحبا بالعالم',
    persianZwnj: 'می\u200Cخواهم',
    emojiZwj: 'family 👨\u200D👩\u200D👧',
    scotlandFlag: 'flag 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
    accents: 'Zoë’s café',
  };
  for (const [label, name] of Object.entries(names)) {
    it(`${label}: accepted as a collection name`, async () => {
      const res = await api('POST', '/api/collections', { as: owner, json: { name } });
      expect(res.status, await res.clone().text()).toBe(201);
      expect(((await res.json()) as { name: string }).name).toBe(name);
    });
  }

  it('NFC: a decomposed name is stored composed; a description keeps \\n and \\t and turns \\r\\n into \\n', async () => {
    const res = await api('POST', '/api/collections', { as: owner, json: { name: 'Cafe\u0301', description: 'a\r\nb\tc\nd' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { name: string; description: string };
    expect(body.name).toBe('Caf\u00E9');
    expect(body.description).toBe('a\nb\tc\nd');
  });

  it('lengths count code points after normalising: 255 astral characters are a valid file name, 256 are not', async () => {
    const send = (n: number) =>
      api('POST', '/api/uploads', { as: owner, json: { filename: '😀'.repeat(n), size: 10, contentType: 'image/jpeg' } });
    expect((await send(255)).status).toBe(201);
    expect(await refusal(await send(256))).toContainEqual(expect.objectContaining({ field: 'filename', code: 'too_long' }));
  });
});
