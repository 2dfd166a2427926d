/**
 * The TOTP second factor of the signed-in account (session only: no API key
 * may call these). Enrol: `POST /api/auth/totp/enrol` answers a new secret
 * and its otpauth URI (the SPA draws the QR code); `POST .../confirm` with a
 * code of it enables the factor, answers ten recovery codes (shown once) and
 * ends every other session. Disable needs the password and a code.
 */
import { createRoute } from '@hono/zod-openapi';
import { BODY_LIMITS } from '../../api/json-body.ts';
import { requestMeta } from '../../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../../api/router.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError, retryLater } from '../../errors.ts';
import { clientKey } from '../../middleware/client-address.ts';
import { loginSucceeded, reserveLoginAttempt } from '../attempt-limit.ts';
import { currentUser } from '../authenticate.ts';
import { sessionEnded } from '../challenge.ts';
import { verifyPassword } from '../password.ts';
import { endOtherSessions } from '../sessions/sessions-store.ts';
import { findUserById } from '../users.ts';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';
import { confirmBody, disableBody, enrolmentSchema, recoveryCodesSchema, renewCodesBody, totpStatusSchema } from './schemas.ts';
import {
  auditingCodeFailure,
  confirmEnrolment,
  consumeSecondFactor,
  reserveSecondFactorAttempt,
  secondFactorSucceeded,
} from './second-factor.service.ts';
import { sealSecret } from './secret-box.ts';
import { base32Of, newTotpKey, otpauthUri } from './totp-codes.ts';
import { loadTotp, recoveryCodesLeft, removeTotp, replaceRecoveryCodes, startEnrolment } from './totp-store.ts';

const tags = ['Two-factor'];
const small = { maxBytes: BODY_LIMITS.small };

const hashAll = (codes: string[]) => Promise.all(codes.map(recoveryCodeHash));

export const totpRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/totp',
      tags,
      summary: 'Whether two-factor authentication is on, and how many recovery codes are left',
      ...signedIn,
      responses: { 200: jsonResponse(totpStatusSchema, 'Status'), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const db = c.get('services').db();
      const userId = currentUser(c).id;
      const row = await loadTotp(db, userId);
      return c.json(
        {
          enabled: row?.confirmed === true,
          pending: row?.confirmed === false,
          recoveryCodesLeft: row?.confirmed ? await recoveryCodesLeft(db, userId) : 0,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/totp/enrol',
      tags,
      summary: 'Start enrolling an authenticator app: a new secret (replaces an unconfirmed one)',
      ...signedIn,
      responses: { 200: jsonResponse(enrolmentSchema, 'The secret; confirm it with a code'), ...errorResponses(401, 403, 409, 429) },
    }),
    async (c) => {
      const { config, db: dbOf } = c.get('services');
      const db = dbOf();
      const caller = currentUser(c);
      const user = await findUserById(db, caller.id);
      if (!user || user.disabledAt !== null) throw sessionEnded();
      const key = newTotpKey();
      const sealed = await sealSecret(config, user.id, key);
      const started = await db.transaction(async (tx) => {
        if (!(await startEnrolment(tx, user.id, sealed))) return false;
        await writeAudit(tx, requestMeta(c), { action: 'auth.totp_enrol', ...userEvent(user.id) });
        return true;
      });
      if (!started) throw new AppError('conflict', 'Two-factor authentication is already on. Disable it first to enrol again.');
      return c.json({ secret: base32Of(key), uri: otpauthUri(new URL(c.req.url).host, user.email, key) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/totp/confirm',
      tags,
      summary: 'Enable two-factor authentication with a code of the new secret; ends every other session',
      ...signedIn,
      request: { body: jsonBody(confirmBody, small) },
      responses: {
        200: jsonResponse(recoveryCodesSchema, 'Enabled; the recovery codes are shown once'),
        ...errorResponses(400, 401, 403, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const { config, db: dbOf } = c.get('services');
      const db = dbOf();
      const caller = currentUser(c);
      const { code } = c.req.valid('json');
      const attempt = await reserveSecondFactorAttempt(db, caller.id, clientKey(c));
      const codes = newRecoveryCodes();
      const hashes = await hashAll(codes);
      await auditingCodeFailure(db, requestMeta(c), caller.id, 'confirm', () =>
        db.transaction(async (tx) => {
          await confirmEnrolment(tx, config, caller.id, code, new Date());
          await replaceRecoveryCodes(tx, caller.id, hashes);
          const ended = await endOtherSessions(tx, caller.id, caller.sid);
          await secondFactorSucceeded(tx, attempt);
          await writeAudit(tx, requestMeta(c), { action: 'auth.totp_enabled', ...userEvent(caller.id), detail: { endedSessions: ended } });
        }),
      );
      return c.json({ recoveryCodes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/totp/recovery-codes',
      tags,
      summary: 'Ten new recovery codes (the old ones stop working), with a current code',
      ...signedIn,
      request: { body: jsonBody(renewCodesBody, small) },
      responses: { 200: jsonResponse(recoveryCodesSchema, 'New codes, shown once'), ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
    }),
    async (c) => {
      const { config, db: dbOf } = c.get('services');
      const db = dbOf();
      const caller = currentUser(c);
      const { code } = c.req.valid('json');
      const attempt = await reserveSecondFactorAttempt(db, caller.id, clientKey(c));
      const codes = newRecoveryCodes();
      const hashes = await hashAll(codes);
      await auditingCodeFailure(db, requestMeta(c), caller.id, 'renew', () =>
        db.transaction(async (tx) => {
          await consumeSecondFactor(tx, config, caller.id, { code }, new Date());
          await replaceRecoveryCodes(tx, caller.id, hashes);
          await secondFactorSucceeded(tx, attempt);
          await writeAudit(tx, requestMeta(c), { action: 'auth.recovery_codes_renewed', ...userEvent(caller.id) });
        }),
      );
      return c.json({ recoveryCodes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/totp/disable',
      tags,
      summary: 'Disable two-factor authentication (needs the password and a code or a recovery code)',
      description: 'Password guesses count against the login limits; a wrong password is 403 `forbidden`, a wrong code 403 `invalid_code`.',
      ...signedIn,
      request: { body: jsonBody(disableBody, small) },
      responses: { 204: { description: 'Disabled' }, ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
    }),
    async (c) => {
      const { config, db: dbOf } = c.get('services');
      const db = dbOf();
      const caller = currentUser(c);
      const body = c.req.valid('json');
      const meta = requestMeta(c);
      const user = await findUserById(db, caller.id);
      if (!user || user.disabledAt !== null) throw sessionEnded();
      const gate = await reserveLoginAttempt(db, user.email, clientKey(c));
      if (!gate.allowed) throw retryLater('rate_limited', 'Too many password attempts. Try again later.', gate.retryAfter);
      if (!(await verifyPassword(body.password, user.passwordHash)).ok) {
        await writeAudit(db, meta, {
          action: 'auth.second_factor_failed',
          ...userEvent(user.id),
          detail: { reason: 'wrong_password', on: 'disable' },
        });
        throw new AppError('forbidden', 'The password is not correct.');
      }
      await loginSucceeded(db, gate.keys);
      const attempt = await reserveSecondFactorAttempt(db, user.id, clientKey(c));
      const factor = body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode ?? '' };
      await auditingCodeFailure(db, meta, user.id, 'disable', () =>
        db.transaction(async (tx) => {
          const used = await consumeSecondFactor(tx, config, user.id, factor, new Date());
          await removeTotp(tx, user.id);
          await secondFactorSucceeded(tx, attempt);
          await writeAudit(tx, meta, { action: 'auth.totp_disabled', ...userEvent(user.id), detail: { with: used } });
        }),
      );
      return c.body(null, 204);
    },
  );
