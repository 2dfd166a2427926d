/**
 * Validation of every body field, query and path parameter of the sharing
 * routes: 400 `validation_failed` naming the field (never echoing the value),
 * plus the body rules every /api route shares (malformed JSON, content type,
 * size).
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueIp } from './support/auth.ts';
import { bearer, createAsset, createUser, uid, withDb } from './support/fixtures.ts';
import { api, expectJson, seedGrant, seedLink, seedOrg } from './support/sharing-api.ts';
import { hashPassword } from '../../edge/auth/password.ts';

let owner: string;
let other: string;
let org: string;
let asset: string;
let grant: string;
let link: string;
let lockedToken: string;

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'validator');
    other = await createUser(db, 'other');
    asset = await createAsset(db, owner);
  });
  org = await seedOrg(owner);
  grant = await seedGrant({
    resourceType: 'asset',
    resourceId: asset,
    principalType: 'user',
    principalId: other,
    permission: 'view',
    grantedBy: owner,
  });
  link = (await seedLink({ resourceId: asset, createdBy: owner })).id;
  lockedToken = (await seedLink({ resourceId: asset, createdBy: owner, passwordHash: await hashPassword('a fine password') })).token;
});

interface Case {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  /** The field the error must name. */
  field: string;
}

const past = () => new Date(Date.now() - 60_000).toISOString();
const soon = () => new Date(Date.now() + 10_000).toISOString();
const later = () => new Date(Date.now() + 3_600_000).toISOString();
const long = (n: number) => 'x'.repeat(n);

const grantBody = () => ({ resourceType: 'asset', resourceId: asset, principalType: 'user', principalId: other, permission: 'view' });
const linkBody = () => ({ resourceType: 'asset', resourceId: asset });

const cases: Case[] = [
  // POST /api/orgs
  ...[
    [{ slug: 'ok-slug' }, 'name'],
    [{ name: '', slug: 'ok-slug' }, 'name'],
    [{ name: '   ', slug: 'ok-slug' }, 'name'],
    [{ name: long(101), slug: 'ok-slug' }, 'name'],
    [{ name: 'bad\u0000name', slug: 'ok-slug' }, 'name'],
    [{ name: 7, slug: 'ok-slug' }, 'name'],
    [{ name: 'Org' }, 'slug'],
    [{ name: 'Org', slug: 'Upper' }, 'slug'],
    [{ name: 'Org', slug: 'x' }, 'slug'],
    [{ name: 'Org', slug: '-edge' }, 'slug'],
    [{ name: 'Org', slug: 'has space' }, 'slug'],
    [{ name: 'Org', slug: long(64) }, 'slug'],
    [{ name: 'Org', slug: 'ok-slug', extra: true }, 'extra'],
  ].map(([body, field]) => ({
    name: `POST /api/orgs ${JSON.stringify(body).slice(0, 60)}`,
    method: 'POST',
    path: () => '/api/orgs',
    body: () => body,
    field: field as string,
  })),
  // PATCH /api/orgs/:id
  ...[
    [{}, '(body)'],
    [{ name: '' }, 'name'],
    [{ shareLinkDefaultTtl: 59 }, 'shareLinkDefaultTtl'],
    [{ shareLinkDefaultTtl: 60.5 }, 'shareLinkDefaultTtl'],
    [{ shareLinkDefaultTtl: '3600' }, 'shareLinkDefaultTtl'],
    [{ shareLinkMaxTtl: 366 * 86400 }, 'shareLinkMaxTtl'],
    [{ shareLinkMaxTtl: 0 }, 'shareLinkMaxTtl'],
    [{ shareLinkDefaultTtl: 7200, shareLinkMaxTtl: 3600 }, 'shareLinkDefaultTtl'],
    [{ slug: 'new-slug' }, 'slug'],
  ].map(([body, field]) => ({
    name: `PATCH /api/orgs/:id ${JSON.stringify(body)}`,
    method: 'PATCH',
    path: () => `/api/orgs/${org}`,
    body: () => body,
    field: field as string,
  })),
  // Org invitations and members
  ...[
    [{}, 'email'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: `${long(250)}@example.test` }, 'email'],
    [{ email: 'a@example.test', role: 'owner' }, 'role'],
    [{ email: 'a@example.test', userId: uid() }, 'userId'],
  ].map(([body, field]) => ({
    name: `POST /api/orgs/:id/invitations ${JSON.stringify(body).slice(0, 60)}`,
    method: 'POST',
    path: () => `/api/orgs/${org}/invitations`,
    body: () => body,
    field: field as string,
  })),
  { name: 'DELETE invitation bad id', method: 'DELETE', path: () => `/api/orgs/${org}/invitations/nope`, field: 'invitationId' },
  { name: 'POST accept bad id', method: 'POST', path: () => '/api/invitations/nope/accept', field: 'id' },
  { name: 'PATCH member without role', method: 'PATCH', path: () => `/api/orgs/${org}/members/${owner}`, body: () => ({}), field: 'role' },
  {
    name: 'PATCH member with a bad role',
    method: 'PATCH',
    path: () => `/api/orgs/${org}/members/${owner}`,
    body: () => ({ role: 'OWNER' }),
    field: 'role',
  },
  {
    name: 'PATCH member bad user id',
    method: 'PATCH',
    path: () => `/api/orgs/${org}/members/nope`,
    body: () => ({ role: 'admin' }),
    field: 'userId',
  },
  { name: 'DELETE member bad org id', method: 'DELETE', path: () => `/api/orgs/nope/members/${owner}`, field: 'id' },
  // Groups
  { name: 'POST group without name', method: 'POST', path: () => `/api/orgs/${org}/groups`, body: () => ({}), field: 'name' },
  {
    name: 'POST group with a long name',
    method: 'POST',
    path: () => `/api/orgs/${org}/groups`,
    body: () => ({ name: long(101) }),
    field: 'name',
  },
  {
    name: 'POST group member bad id',
    method: 'POST',
    path: () => `/api/groups/${uid()}/members`,
    body: () => ({ userId: 'x' }),
    field: 'userId',
  },
  { name: 'DELETE group bad id', method: 'DELETE', path: () => '/api/groups/nope', field: 'id' },
  // Grants
  ...(
    [
      ['resourceType', 'file'],
      ['resourceId', 'nope'],
      ['principalType', 'team'],
      ['principalId', 12],
      ['permission', 'admin'],
      ['expiresAt', 'tomorrow'],
      ['expiresAt', past()],
      ['expiresAt', '2030-01-01T00:00:00'],
    ] as const
  ).map(([field, value]) => ({
    name: `POST /api/grants ${field}=${String(value)}`,
    method: 'POST',
    path: () => '/api/grants',
    body: () => ({ ...grantBody(), [field]: value }),
    field,
  })),
  ...(['resourceType', 'resourceId', 'principalType', 'principalId', 'permission'] as const).map((field) => ({
    name: `POST /api/grants without ${field}`,
    method: 'POST',
    path: () => '/api/grants',
    body: () => {
      const b: Record<string, unknown> = grantBody();
      delete b[field];
      return b;
    },
    field,
  })),
  { name: 'PATCH /api/grants empty', method: 'PATCH', path: () => `/api/grants/${grant}`, body: () => ({}), field: '(body)' },
  {
    name: 'PATCH /api/grants bad permission',
    method: 'PATCH',
    path: () => `/api/grants/${grant}`,
    body: () => ({ permission: 'all' }),
    field: 'permission',
  },
  {
    name: 'PATCH /api/grants past expiry',
    method: 'PATCH',
    path: () => `/api/grants/${grant}`,
    body: () => ({ expiresAt: past() }),
    field: 'expiresAt',
  },
  { name: 'GET /api/grants without a query', method: 'GET', path: () => '/api/grants', field: 'resourceType' },
  {
    name: 'GET /api/grants bad resource id',
    method: 'GET',
    path: () => '/api/grants?resourceType=asset&resourceId=x',
    field: 'resourceId',
  },
  // Share links
  ...(
    [
      ['resourceType', 'folder'],
      ['resourceId', 'x'],
      ['permission', 'edit'],
      ['permission', 'manage'],
      ['expiresInSeconds', 59],
      ['expiresInSeconds', 600.5],
      ['expiresInSeconds', '600'],
      ['expiresInSeconds', 400 * 86400],
      ['expiresAt', 'soon'],
      ['expiresAt', past()],
      ['expiresAt', soon()],
      ['password', 'short'],
      ['password', long(257)],
      ['password', 12345678],
      ['maxDownloads', 0],
      ['maxDownloads', -1],
      ['maxDownloads', 1.5],
      ['allowDownload', 'yes'],
      ['token', 'mine'],
    ] as const
  ).map(([field, value]) => ({
    name: `POST /api/share-links ${field}=${String(value).slice(0, 20)}`,
    method: 'POST',
    path: () => '/api/share-links',
    body: () => ({ ...linkBody(), [field]: value }),
    field,
  })),
  {
    name: 'POST /api/share-links both expiries',
    method: 'POST',
    path: () => '/api/share-links',
    body: () => ({ ...linkBody(), expiresInSeconds: 600, expiresAt: later() }),
    field: 'expiresAt',
  },
  {
    name: 'POST /api/share-links without resourceId',
    method: 'POST',
    path: () => '/api/share-links',
    body: () => ({ resourceType: 'asset' }),
    field: 'resourceId',
  },
  ...(
    [
      ['permission', 'edit'],
      ['expiresInSeconds', 1],
      ['expiresAt', 'never'],
      ['password', 'short'],
      ['maxDownloads', 0],
      ['allowDownload', 1],
      ['resourceId', uid()],
    ] as const
  ).map(([field, value]) => ({
    name: `PATCH /api/share-links ${field}=${String(value)}`,
    method: 'PATCH',
    path: () => `/api/share-links/${link}`,
    body: () => ({ [field]: value }),
    field,
  })),
  { name: 'PATCH /api/share-links empty', method: 'PATCH', path: () => `/api/share-links/${link}`, body: () => ({}), field: '(body)' },
  {
    name: 'PATCH /api/share-links both expiries',
    method: 'PATCH',
    path: () => `/api/share-links/${link}`,
    body: () => ({ expiresInSeconds: 600, expiresAt: later() }),
    field: 'expiresAt',
  },
  { name: 'DELETE /api/share-links bad id', method: 'DELETE', path: () => '/api/share-links/123', field: 'id' },
  // Holder routes
  { name: 'unlock without password', method: 'POST', path: () => `/api/share/${lockedToken}/unlock`, body: () => ({}), field: 'password' },
  {
    name: 'unlock with an empty password',
    method: 'POST',
    path: () => `/api/share/${lockedToken}/unlock`,
    body: () => ({ password: '' }),
    field: 'password',
  },
  {
    name: 'unlock with a huge password',
    method: 'POST',
    path: () => `/api/share/${lockedToken}/unlock`,
    body: () => ({ password: long(1025) }),
    field: 'password',
  },
  {
    name: 'unlock with a number',
    method: 'POST',
    path: () => `/api/share/${lockedToken}/unlock`,
    body: () => ({ password: 1 }),
    field: 'password',
  },
  { name: 'share page limit 0', method: 'GET', path: () => `/api/share/${lockedToken}?limit=0`, field: 'limit' },
  { name: 'share page limit 101', method: 'GET', path: () => `/api/share/${lockedToken}?limit=101`, field: 'limit' },
  // Audit
  { name: 'audit bad cursor', method: 'GET', path: () => `/api/audit?resourceType=asset&resourceId=${asset}&cursor=abc`, field: 'cursor' },
  { name: 'audit bad type', method: 'GET', path: () => `/api/audit?resourceType=user&resourceId=${asset}`, field: 'resourceType' },
];

describe('validation', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s → 400 naming the field', async (_name, c) => {
    const res = await api(c.method, c.path(), { as: owner, json: c.body?.() });
    const body = await expectJson(res, 400);
    expect(body.error.code).toBe('validation_failed');
    const fields = body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain(c.field);
    // The submitted values are never echoed back.
    if (c.body)
      for (const v of Object.values(c.body() as object))
        if (typeof v === 'string' && v.length > 3) expect(JSON.stringify(body)).not.toContain(v);
  });
});

describe('body rules', () => {
  const raw = (body: string, contentType = 'application/json') =>
    SELF.fetch('https://edge.test/api/share-links', {
      method: 'POST',
      headers: { 'content-type': contentType, 'cf-connecting-ip': uniqueIp(), ...authHeaders },
      body,
    });
  let authHeaders: Record<string, string>;
  beforeAll(async () => {
    authHeaders = await bearer(owner);
  });

  it('malformed JSON is 400 bad_request', async () => {
    const res = await raw('{"resourceType":');
    expect(res.status).toBe(400);
    expect((await expectJson(res, 400)).error.code).toBe('bad_request');
  });

  it('a body that is not JSON is 415', async () => {
    expect((await raw('resourceType=asset', 'application/x-www-form-urlencoded')).status).toBe(415);
  });

  it('a body over 64 KiB is 413', async () => {
    expect((await raw(JSON.stringify({ ...linkBody(), password: long(70 * 1024) }))).status).toBe(413);
  });

  it('a missing body is 400', async () => {
    const res = await SELF.fetch('https://edge.test/api/orgs', {
      method: 'POST',
      headers: { ...authHeaders, 'cf-connecting-ip': uniqueIp() },
    });
    expect(res.status).toBe(400);
  });

  it('anonymous callers get 401 before their body is looked at', async () => {
    const res = await api('POST', '/api/orgs', { json: { name: '' } });
    expect(res.status).toBe(401);
  });
});

describe('state errors', () => {
  it('unknown ids are 404, not 500', async () => {
    for (const [method, path, json] of [
      ['GET', `/api/orgs/${uid()}`],
      ['PATCH', `/api/grants/${uid()}`, { permission: 'view' }],
      ['DELETE', `/api/grants/${uid()}`],
      ['PATCH', `/api/share-links/${uid()}`, { allowDownload: true }],
      ['DELETE', `/api/share-links/${uid()}`],
      ['GET', `/api/share-links?resourceType=collection&resourceId=${uid()}`],
      ['POST', '/api/share-links', { resourceType: 'asset', resourceId: uid() }],
      ['GET', `/api/groups/${uid()}/members`],
    ] as const) {
      expect((await api(method, path, { as: owner, json })).status, `${method} ${path}`).toBe(404);
    }
  });

  it('a link on a trashed asset is refused (409)', async () => {
    const trashed = await withDb((db) => createAsset(db, owner, { deletedAt: new Date() }));
    expect((await api('POST', '/api/share-links', { as: owner, json: { resourceType: 'asset', resourceId: trashed } })).status).toBe(409);
  });
});
