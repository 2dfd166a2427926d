/**
 * Query strings and cursors never make a 500: NUL, bad percent-encoding and
 * deceptive text in `q`, `tag` or any parameter are a 400 naming it; every
 * paginated list (assets, trash, tags, search, collections, a collection's
 * items, a share link's items — signed in and anonymous) refuses a forged
 * cursor (impossible dates, out-of-range numbers, ids that are not UUIDs,
 * NUL) with a 400 on `cursor`, and still pages with its own real cursor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { collectionItems } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { api, seedCollection, seedLink } from './support/sharing-api.ts';

let owner: string;
let lists: Record<string, { url: string; as?: string; cursor: string }>;

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const unb64url = (s: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0)));

async function json(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text);
}

async function invalid(res: Response, field: string): Promise<string> {
  const body = await json(res, 400);
  expect(body.error.code).toBe('validation_failed');
  const named = (body.error.details.fields as { field: string; code: string }[]).find((f) => f.field === field);
  expect(named, JSON.stringify(body)).toBeDefined();
  return named!.code;
}

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'queries-owner'));
  const ids = await withDb(async (db) => {
    const trashed = { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) };
    return {
      live: [await createAsset(db, owner, { filename: 'sunset-1.jpg' }), await createAsset(db, owner, { filename: 'sunset-2.jpg' })],
      trash: [
        await createAsset(db, owner, { filename: 'gone-1.jpg', ...trashed }),
        await createAsset(db, owner, { filename: 'gone-2.jpg', ...trashed }),
      ],
    };
  });
  const collection = await seedCollection(owner);
  await withDb((db) =>
    db
      .insert(collectionItems)
      .values(ids.live.map((assetId, position) => ({ collectionId: collection, assetId, position, addedBy: owner }))),
  );
  await seedCollection(owner);
  await json(await api('PUT', `/api/assets/${ids.live[0]}/tags`, { as: owner, json: { tags: ['alpha', 'beta'] } }), 200);
  const link = await seedLink({ resourceType: 'collection', resourceId: collection, createdBy: owner });
  const pages: Record<string, { url: string; as?: string }> = {
    assets: { url: '/api/assets?limit=1', as: owner },
    trash: { url: '/api/trash?limit=1', as: owner },
    tags: { url: '/api/tags?limit=1', as: owner },
    search: { url: '/api/search?q=sunset&limit=1', as: owner },
    collections: { url: '/api/collections?limit=1', as: owner },
    items: { url: `/api/collections/${collection}?limit=1`, as: owner },
    'share link (anonymous)': { url: `/api/share/${link.token}?limit=1` },
  };
  lists = {};
  for (const [name, page] of Object.entries(pages)) {
    const body = await json(await api('GET', page.url, page.as ? { as: page.as } : {}), 200);
    lists[name] = { ...page, cursor: body.nextCursor ?? body.collection.nextCursor };
  }
}, 60_000);

describe('query text', () => {
  it('NUL in q or tag is 400 naming it, never a database error', async () => {
    expect(await invalid(await api('GET', '/api/search?q=%00', { as: owner }), 'q')).toBe('nul');
    expect(await invalid(await api('GET', '/api/search?q=sun%00set', { as: owner }), 'q')).toBe('nul');
    expect(await invalid(await api('GET', '/api/assets?tag=a%00', { as: owner }), 'tag')).toBe('nul');
  });

  it('NUL or bad percent-encoding in any parameter, known or not, is 400 naming it', async () => {
    expect(await invalid(await api('GET', '/api/assets?whatever=%00', { as: owner }), 'whatever')).toBe('nul');
    expect(await invalid(await api('GET', '/api/search?q=%FF', { as: owner }), 'q')).toBe('invalid_encoding');
    expect(await invalid(await api('GET', '/api/search?q=%ED%A0%80', { as: owner }), 'q')).toBe('invalid_encoding');
    expect(await invalid(await api('GET', '/status?key=%00'), 'key')).toBe('nul');
    expect(await invalid(await api('GET', '/s3/multipart/abc?key=a%00b', { as: owner }), 'key')).toBe('nul');
  });

  it('q and tag are safe text: bidi and control characters are refused', async () => {
    expect(await invalid(await api('GET', `/api/search?q=${encodeURIComponent('a\u202Eb')}`, { as: owner }), 'q')).toBe('bidi_control');
    expect(await invalid(await api('GET', `/api/assets?tag=${encodeURIComponent('a\u0085')}`, { as: owner }), 'tag')).toBe(
      'control_character',
    );
  });
});

/** A real cursor with slot `at` (0-based, after the list name) replaced: JSON cursors, or the share cursor's `position:id`. */
function forge(cursor: string, at: number, value: unknown): string {
  const text = unb64url(cursor);
  if (text.startsWith('[')) {
    const slots = JSON.parse(text) as unknown[];
    slots[at + 1] = value;
    return b64url(JSON.stringify(slots));
  }
  const sides = text.split(':');
  sides[at] = String(value);
  return b64url(sides.join(':'));
}

type Slot = 'timestamp' | 'real' | 'integer' | 'uuid' | 'text';
const SLOTS: Record<string, Slot[]> = {
  assets: ['timestamp', 'uuid'],
  trash: ['timestamp', 'uuid'],
  tags: ['text', 'uuid'],
  search: ['real', 'timestamp', 'uuid'],
  collections: ['timestamp', 'uuid'],
  items: ['integer', 'uuid'],
  'share link (anonymous)': ['integer', 'uuid'],
};

/** Values each kind of slot must refuse (a text slot takes any short text without NUL or surrogates). */
const ANY_KIND: unknown[] = ['a\u0000b', 7, null, []];
const FORGERIES: Record<Slot, unknown[]> = {
  timestamp: [
    '2026-02-30 12:00:00+00',
    '2026-13-45 99:99:99+00',
    '0000-01-01 00:00:00+00',
    '2026-01-01 24:00:00+00',
    '2026-01-01 00:00:00+99:99',
    '2026-1-1 0:0:0+00',
    '1e999999',
    ...ANY_KIND,
  ],
  real: ['1e999999', '1e-999', '1e39', '-1', 'NaN', 'Infinity', '0x10', ...ANY_KIND],
  integer: ['2147483648', '99999999999', '-1', '1e3', '1.5', ...ANY_KIND],
  uuid: ['------------------------------------', '00000000-0000-0000-0000-00000000000g', '', 'x', ...ANY_KIND],
  text: ['\uD800', 'x'.repeat(300), ...ANY_KIND],
};

describe('cursors', () => {
  it('every list pages on with its own cursor', async () => {
    for (const [name, list] of Object.entries(lists)) {
      expect(list.cursor, name).toEqual(expect.any(String));
      const res = await api('GET', `${list.url}&cursor=${list.cursor}`, list.as ? { as: list.as } : {});
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(200);
    }
  });

  it('every list refuses a forged value in every slot of its cursor with 400 on cursor', async () => {
    const wrong: string[] = [];
    for (const [name, list] of Object.entries(lists)) {
      const json = unb64url(list.cursor).startsWith('[');
      for (const [at, kind] of SLOTS[name]!.entries()) {
        // A share cursor is text (`position:id`): only text forgeries mean anything there.
        for (const value of FORGERIES[kind].filter((v) => json || typeof v === 'string')) {
          const res = await api('GET', `${list.url}&cursor=${forge(list.cursor, at, value)}`, list.as ? { as: list.as } : {});
          if (res.status !== 400)
            wrong.push(`${name}, ${kind} slot = ${JSON.stringify(value)}: ${res.status} ${(await res.text()).slice(0, 120)}`);
          else expect(await invalid(res, 'cursor')).toMatch(/cursor|format/);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
