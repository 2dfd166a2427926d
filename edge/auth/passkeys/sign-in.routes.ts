/**
 * Signing in with a passkey, and a passkey as a login's second step.
 *
 * - `POST /api/auth/passkeys/sign-in/options` → options with no
 *   allowCredentials: the authenticator offers the discoverable credentials
 *   it holds for this RP; the challenge is bound to no user.
 * - `POST /api/auth/passkeys/sign-in` {response} → `{accessToken, expiresIn,
 *   user}` and the refresh cookie, as a password login. User verification is
 *   required, so the passkey counts as both factors: an account with TOTP is
 *   not asked for a code after it.
 * - `POST /api/auth/login/second-factor/passkey-options` {challengeToken} →
 *   options listing the account's passkeys, for the assertion that answers
 *   `POST /api/auth/login/second-factor` (../totp/second-step.routes.ts).
 *
 * Verifications are limited like passwords: every attempt counts on the
 * client address, and on the account once the credential names it (the
 * budget codes use, ../totp/second-factor.service.ts); a success gives them back.
 */
import { createRoute } from '@hono/zod-openapi';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { BODY_LIMITS } from '../../api/json-body.ts';
import { requestMeta, tokenSigner } from '../../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse } from '../../api/router.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError, retryLater } from '../../errors.ts';
import { clientKey } from '../../middleware/client-address.ts';
import { ACCOUNT_LIMIT, ADDRESS_LIMIT, addressKey, hit } from '../attempt-limit.ts';
import { setRefreshCookie } from '../refresh-cookie.ts';
import { newRefreshToken, storeRefreshToken } from '../refresh-tokens.ts';
import { sessionSchema } from '../schemas.ts';
import { sessionBody, signSessionToken } from '../session.ts';
import { secondFactorAccountKey, secondFactorSucceeded } from '../totp/second-factor.service.ts';
import { stepUser } from '../totp/second-step.routes.ts';
import { findUserById, publicUser } from '../users.ts';
import { relyingPartyOf } from './passkeys.routes.ts';
import { auditingPasskeyFailure, authenticationOptions, counterRegressed, verifyAssertion } from './passkeys.service.ts';
import { recordUse } from './passkeys-store.ts';
import { optionsSchema, secondStepOptionsBody, signInVerifyBody } from './schemas.ts';

const tags = ['Passkeys'];
const small = { maxBytes: BODY_LIMITS.small };
const tooMany = (retryAfter: number) => retryLater('rate_limited', 'Too many sign-in attempts. Try again later.', retryAfter);

export const passkeySignInRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/passkeys/sign-in/options',
      tags,
      summary: 'Start signing in with a passkey: options for navigator.credentials.get() (discoverable credentials)',
      responses: {
        200: jsonResponse(optionsSchema, 'Request options; the challenge is good for 5 minutes and once'),
        ...errorResponses(403, 429),
      },
    }),
    async (c) => {
      const rp = relyingPartyOf(c);
      return c.json({ options: await authenticationOptions(c.get('services').db(), rp, 'sign-in', null) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/passkeys/sign-in',
      tags,
      summary: 'Sign in with a passkey (user verification required: it counts as two factors)',
      description:
        '400 `challenge_expired` / `challenge_replayed`: start again. 401 `unauthorized`: the passkey is not registered here, or its account ' +
        'is disabled. 403 `passkey_invalid`: wrong origin or RP ID, bad signature or no user verification; ' +
        '403 `passkey_counter_regressed`: the signature counter went backwards (a cloned authenticator?).',
      request: { body: jsonBody(signInVerifyBody, small) },
      responses: { 200: jsonResponse(sessionSchema, 'Signed in'), ...errorResponses(400, 401, 403, 413, 415, 429) },
    }),
    async (c) => {
      const rp = relyingPartyOf(c);
      const db = c.get('services').db();
      const meta = requestMeta(c);
      const response = c.req.valid('json').response as AuthenticationResponseJSON;
      const address = addressKey(clientKey(c));
      const byAddress = await hit(db, address, ADDRESS_LIMIT);
      if (byAddress.count > ADDRESS_LIMIT.max) throw tooMany(byAddress.retryAfter);
      const keys = { address, account: '' };
      let claimed: string | null = null;
      const verified = await auditingPasskeyFailure(
        db,
        meta,
        () => claimed,
        'sign-in',
        () =>
          verifyAssertion(db, rp, response, 'sign-in', null, meta.requestId, async (userId) => {
            claimed = userId;
            keys.account = secondFactorAccountKey(userId);
            const byAccount = await hit(db, keys.account, ACCOUNT_LIMIT);
            if (byAccount.count > ACCOUNT_LIMIT.max) throw tooMany(byAccount.retryAfter);
          }),
      );
      const user = await findUserById(db, verified.passkey.userId);
      if (!user || user.disabledAt !== null) {
        await writeAudit(db, meta, {
          action: 'auth.login_failed',
          ...userEvent(verified.passkey.userId),
          detail: { reason: 'disabled', with: 'passkey' },
        });
        throw new AppError('unauthorized', 'This account cannot sign in.');
      }
      const familyId = crypto.randomUUID();
      const refresh = newRefreshToken();
      const access = await signSessionToken(await tokenSigner(c), user.id, familyId);
      await auditingPasskeyFailure(db, meta, user.id, 'sign-in', () =>
        db.transaction(async (tx) => {
          if (!(await recordUse(tx, verified.passkey.id, verified.counter, verified.backedUp))) {
            throw counterRegressed(verified.passkey, verified.counter, meta.requestId);
          }
          await secondFactorSucceeded(tx, keys);
          await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
          await writeAudit(tx, meta, {
            action: 'auth.login',
            ...userEvent(user.id),
            detail: { familyId, with: 'passkey', passkeyId: verified.passkey.id },
          });
        }),
      );
      setRefreshCookie(c, refresh);
      return c.json(sessionBody(access, publicUser(user)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login/second-factor/passkey-options',
      tags,
      summary: "Options for answering a login's second step with one of the account's passkeys",
      description: '401: the challenge token is expired, forged or void. 409: the account has no passkey.',
      request: { body: jsonBody(secondStepOptionsBody, small) },
      responses: {
        200: jsonResponse(optionsSchema, 'Request options listing the passkeys'),
        ...errorResponses(400, 401, 403, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const rp = relyingPartyOf(c);
      const db = c.get('services').db();
      const user = await stepUser(db, await tokenSigner(c), c.req.valid('json').challengeToken, c.get('requestId'));
      return c.json({ options: await authenticationOptions(db, rp, 'second-factor', user.id) }, 200);
    },
  );
