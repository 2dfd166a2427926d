/**
 * `POST /api/auth/login/second-factor` {challengeToken, code | recoveryCode}:
 * the second step of a login whose account has a second factor (TOTP or a
 * passkey). The challenge token
 * came from `POST /api/auth/login` (202) after the right password; it is its
 * own token kind (shared/tokens/second-step-token.ts), good for 5 minutes,
 * for this route only, and void once the password changes. A right code, or
 * an assertion of one of the account's passkeys (options from
 * ../passkeys/sign-in.routes.ts), answers a session exactly as login does
 * (body and refresh cookie).
 *
 * Under /api/auth/*, so the Origin check and the per-client limit run first;
 * codes are limited like passwords (./second-factor.service.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { sha256Base64Url } from '../../../shared/crypto/sha256.ts';
import { isTokenError, signSecondStepToken, verifySecondStepToken } from '../../../shared/tokens/index.ts';
import { BODY_LIMITS } from '../../api/json-body.ts';
import { requestMeta, tokenSigner, type TokenSigner } from '../../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse } from '../../api/router.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError } from '../../errors.ts';
import { clientKey } from '../../middleware/client-address.ts';
import { setRefreshCookie } from '../refresh-cookie.ts';
import { newRefreshToken, storeRefreshToken } from '../refresh-tokens.ts';
import { sessionSchema } from '../schemas.ts';
import { sessionBody, signSessionToken } from '../session.ts';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Database } from '../../../shared/db/database.ts';
import type { SecondFactorKind } from '../second-factors.ts';
import { findUserById, publicUser, type UserRow } from '../users.ts';
import { auditingPasskeyFailure, counterRegressed, verifyAssertion } from '../passkeys/passkeys.service.ts';
import { recordUse } from '../passkeys/passkeys-store.ts';
import { relyingPartyOf } from '../passkeys/passkeys.routes.ts';
import { secondStepBody } from './schemas.ts';
import { auditingCodeFailure, consumeSecondFactor, reserveSecondFactorAttempt, secondFactorSucceeded } from './second-factor.service.ts';

/** The password version a challenge token is bound to. */
export const passwordVersion = async (passwordHash: string): Promise<string> => (await sha256Base64Url(passwordHash)).slice(0, 22);

/**
 * A challenge token for the second step of `user`'s login, and the factors
 * that can answer it (`secondFactor` is the first of them, kept for clients
 * that know only one).
 */
export async function challengeFor(signer: TokenSigner, user: { id: string; passwordHash: string }, factors: SecondFactorKind[]) {
  const { token, claims } = await signSecondStepToken(signer.keys, {
    ...signer.party,
    sub: user.id,
    pwv: await passwordVersion(user.passwordHash),
  });
  return { secondFactor: factors[0] ?? 'totp', secondFactors: factors, challengeToken: token, expiresIn: claims.exp - claims.iat };
}

const stepEnded = () => new AppError('unauthorized', 'The sign-in has expired or is not valid. Sign in with your password again.');

/**
 * The user a challenge token was issued to, if the token is genuine and
 * unexpired, the user enabled and the password unchanged since.
 * @throws 401 `unauthorized` otherwise (sign in again).
 */
export async function stepUser(db: Database, signer: TokenSigner, challengeToken: string, requestId: string): Promise<UserRow> {
  let userId: string;
  let pwv: string;
  try {
    ({ sub: userId, pwv } = await verifySecondStepToken(signer.keys, challengeToken, signer.party));
  } catch (err) {
    if (!isTokenError(err)) throw err;
    console.log(JSON.stringify({ level: 'info', msg: 'second-step token refused', code: err.code, requestId }));
    throw stepEnded();
  }
  const user = await findUserById(db, userId);
  if (!user || user.disabledAt !== null || (await passwordVersion(user.passwordHash)) !== pwv) throw stepEnded();
  return user;
}

export const secondStepRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/auth/login/second-factor',
    tags: ['Auth'],
    summary: 'Second step of a login with two-factor authentication: a TOTP code, a recovery code or a passkey assertion',
    description:
      '401 `unauthorized`: the challenge token is expired, forged or void (sign in again), or the passkey is not one of the account. ' +
      '403 `invalid_code` or `code_replayed`: try another code. A passkey assertion answers options from ' +
      '`POST /api/auth/login/second-factor/passkey-options`; its refusals are those of passkey sign-in.',
    request: { body: jsonBody(secondStepBody, { maxBytes: BODY_LIMITS.small }) },
    responses: { 200: jsonResponse(sessionSchema, 'Signed in'), ...errorResponses(400, 401, 403, 413, 415, 429) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { config, db: dbOf } = c.get('services');
    const db = dbOf();
    const meta = requestMeta(c);
    const signer = await tokenSigner(c);
    const user = await stepUser(db, signer, body.challengeToken, meta.requestId);

    const attempt = await reserveSecondFactorAttempt(db, user.id, clientKey(c));
    const familyId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const access = await signSessionToken(signer, user.id, familyId);
    if (body.passkey !== undefined) {
      const rp = relyingPartyOf(c);
      const assertion = body.passkey as AuthenticationResponseJSON;
      await auditingPasskeyFailure(db, meta, user.id, 'second-factor', async () => {
        const verified = await verifyAssertion(db, rp, assertion, 'second-factor', user.id, meta.requestId);
        await db.transaction(async (tx) => {
          if (!(await recordUse(tx, verified.passkey.id, verified.counter, verified.backedUp))) {
            throw counterRegressed(verified.passkey, verified.counter, meta.requestId);
          }
          await secondFactorSucceeded(tx, attempt);
          await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
          await writeAudit(tx, meta, {
            action: 'auth.login',
            ...userEvent(user.id),
            detail: { familyId, secondFactor: 'passkey', passkeyId: verified.passkey.id },
          });
        });
      });
    } else {
      const factor = body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode ?? '' };
      await auditingCodeFailure(db, meta, user.id, 'login', () =>
        db.transaction(async (tx) => {
          const used = await consumeSecondFactor(tx, config, user.id, factor, new Date());
          await secondFactorSucceeded(tx, attempt);
          await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
          await writeAudit(tx, meta, { action: 'auth.login', ...userEvent(user.id), detail: { familyId, secondFactor: used } });
        }),
      );
    }
    setRefreshCookie(c, refresh);
    return c.json(sessionBody(access, publicUser(user)), 200);
  },
);
