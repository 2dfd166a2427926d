/**
 * The passkeys of the signed-in account: list, register (options, then the
 * authenticator's response), rename, remove. Session only (no API key may
 * call these, ../api-keys/route-scopes.ts), and every write passes the live
 * session check.
 *
 * Registering and removing need the account password as well, counted
 * against the login attempt limits: an access token alone (stolen, or used
 * by a script in the page) cannot add a passkey that would outlive it, nor
 * remove one. Registering the account's first second factor (no TOTP, no
 * other passkey) turns two-factor login on and ends every other session, as
 * enabling TOTP does. Removing the last passkey needs the password, as
 * disabling TOTP does (TOTP also needs a code; a lost passkey cannot give
 * one, which is why it is being removed).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { BODY_LIMITS } from '../../api/json-body.ts';
import { requestMeta } from '../../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../../api/router.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import type { AppEnv } from '../../env.ts';
import { AppError, retryLater } from '../../errors.ts';
import { clientKey } from '../../middleware/client-address.ts';
import { loginSucceeded, reserveLoginAttempt } from '../attempt-limit.ts';
import { currentUser } from '../authenticate.ts';
import { sessionEnded } from '../challenge.ts';
import { verifyPassword } from '../password.ts';
import { endOtherSessions } from '../sessions/sessions-store.ts';
import { hasConfirmedTotp } from '../totp/totp-store.ts';
import { findUserById, type UserRow } from '../users.ts';
import { auditingPasskeyFailure, registrationOptions, verifyRegistration } from './passkeys.service.ts';
import {
  deletePasskey,
  insertPasskey,
  listPasskeys,
  MAX_PASSKEYS,
  passkeyCount,
  type PasskeyRow,
  renamePasskey,
} from './passkeys-store.ts';
import { relyingParty } from './relying-party.ts';
import {
  deleteBody,
  optionsSchema,
  passkeyListSchema,
  passkeySchema,
  registrationOptionsBody,
  registrationVerifyBody,
  renameBody,
} from './schemas.ts';

const tags = ['Passkeys'];
/** Registration responses carry a public key and client data: a few KiB at most. */
const small = { maxBytes: BODY_LIMITS.small };

const view = (p: PasskeyRow): z.infer<typeof passkeySchema> => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt.toISOString(),
  lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
  backedUp: p.backedUp,
  deviceType: p.deviceType === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  transports: p.transports,
});

export function relyingPartyOf(c: Context<AppEnv>) {
  const rp = relyingParty(c.get('services').config);
  if (!rp) throw new AppError('misconfigured', 'The service is misconfigured.');
  return rp;
}

/** The caller's enabled user row, after the password was checked (login limits apply). @throws 403 `forbidden` on a wrong password. */
async function withPassword(c: Context<AppEnv>, password: string, on: 'register' | 'delete'): Promise<UserRow> {
  const db = c.get('services').db();
  const user = await findUserById(db, currentUser(c).id);
  if (!user || user.disabledAt !== null) throw sessionEnded();
  const gate = await reserveLoginAttempt(db, user.email, clientKey(c));
  if (!gate.allowed) throw retryLater('rate_limited', 'Too many password attempts. Try again later.', gate.retryAfter);
  if (!(await verifyPassword(password, user.passwordHash)).ok) {
    await writeAudit(db, requestMeta(c), {
      action: 'auth.passkey_failed',
      ...userEvent(user.id),
      detail: { reason: 'wrong_password', on },
    });
    throw new AppError('forbidden', 'The password is not correct.');
  }
  await loginSucceeded(db, gate.keys);
  return user;
}

const idParams = z.object({ id: uuidParam });
const noSuchPasskey = () => new AppError('not_found', 'No such passkey.');

export const passkeysRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/passkeys',
      tags,
      summary: 'The passkeys of the account',
      ...signedIn,
      responses: { 200: jsonResponse(passkeyListSchema, 'Passkeys, oldest first'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ passkeys: (await listPasskeys(c.get('services').db(), currentUser(c).id)).map(view) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/passkeys/registration/options',
      tags,
      summary: 'Start registering a passkey (needs the password): options for navigator.credentials.create()',
      description: 'The challenge is good for 5 minutes and once. A wrong password is 403 `forbidden` and counts against the login limits.',
      ...signedIn,
      request: { body: jsonBody(registrationOptionsBody, small) },
      responses: { 200: jsonResponse(optionsSchema, 'Creation options'), ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
    }),
    async (c) => {
      const rp = relyingPartyOf(c);
      const user = await withPassword(c, c.req.valid('json').password, 'register');
      const options = await registrationOptions(c.get('services').db(), rp, user);
      return c.json({ options }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/passkeys/registration',
      tags,
      summary: 'Finish registering a passkey with the authenticator response',
      description:
        '400 `challenge_expired` / `challenge_replayed`: start again. 403 `passkey_invalid`: wrong origin or RP ID, bad attestation, ' +
        'or no user verification. 409: this authenticator is registered already. The first second factor of an account ends its other sessions.',
      ...signedIn,
      request: { body: jsonBody(registrationVerifyBody, small) },
      responses: { 201: jsonResponse(passkeySchema, 'Registered'), ...errorResponses(400, 401, 403, 409, 413, 415) },
    }),
    async (c) => {
      const rp = relyingPartyOf(c);
      const caller = currentUser(c);
      const db = c.get('services').db();
      const meta = requestMeta(c);
      const { name, response } = c.req.valid('json');
      const user = await findUserById(db, caller.id);
      if (!user || user.disabledAt !== null) throw sessionEnded();
      const cred = await auditingPasskeyFailure(db, meta, user.id, 'register', () =>
        verifyRegistration(db, rp, user.id, response as RegistrationResponseJSON, meta.requestId),
      );
      const row = await db.transaction(async (tx) => {
        const before = await passkeyCount(tx, user.id);
        if (before >= MAX_PASSKEYS) throw new AppError('conflict', `At most ${MAX_PASSKEYS} passkeys; remove one first.`);
        const inserted = await insertPasskey(tx, { userId: user.id, name, ...cred });
        if (!inserted) throw new AppError('conflict', 'This passkey is registered already.');
        const firstFactor = before === 0 && !(await hasConfirmedTotp(tx, user.id));
        const ended = firstFactor ? await endOtherSessions(tx, user.id, caller.sid) : 0;
        await writeAudit(tx, meta, {
          action: 'auth.passkey_register',
          ...userEvent(user.id),
          detail: { passkeyId: inserted.id, deviceType: cred.deviceType, endedSessions: ended },
        });
        return inserted;
      });
      return c.json(view(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/auth/passkeys/{id}',
      tags,
      summary: 'Rename a passkey',
      ...signedIn,
      request: { params: idParams, body: jsonBody(renameBody, small) },
      responses: { 200: jsonResponse(passkeySchema, 'Renamed'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const { name } = c.req.valid('json');
      const db = c.get('services').db();
      const row = await db.transaction(async (tx) => {
        const renamed = await renamePasskey(tx, caller.id, id, name);
        if (renamed)
          await writeAudit(tx, requestMeta(c), { action: 'auth.passkey_rename', ...userEvent(caller.id), detail: { passkeyId: id } });
        return renamed;
      });
      if (!row) throw noSuchPasskey();
      return c.json(view(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/passkeys/{id}',
      tags,
      summary: 'Remove a passkey (needs the password)',
      description: 'A wrong password is 403 `forbidden` and counts against the login limits.',
      ...signedIn,
      request: { params: idParams, body: jsonBody(deleteBody, small) },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = await withPassword(c, c.req.valid('json').password, 'delete');
      const db = c.get('services').db();
      const removed = await db.transaction(async (tx) => {
        if (!(await deletePasskey(tx, user.id, id))) return false;
        await writeAudit(tx, requestMeta(c), { action: 'auth.passkey_delete', ...userEvent(user.id), detail: { passkeyId: id } });
        return true;
      });
      if (!removed) throw noSuchPasskey();
      return c.body(null, 204);
    },
  );
