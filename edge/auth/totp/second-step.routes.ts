/**
 * `POST /api/auth/login/second-factor` {challengeToken, code | recoveryCode}:
 * the second step of a login whose account has TOTP on. The challenge token
 * came from `POST /api/auth/login` (202) after the right password; it is its
 * own token kind (shared/tokens/second-step-token.ts), good for 5 minutes,
 * for this route only, and void once the password changes. A right code
 * answers a session exactly as login does (body and refresh cookie).
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
import { findUserById, publicUser } from '../users.ts';
import { secondStepBody } from './schemas.ts';
import { auditingCodeFailure, consumeSecondFactor, reserveSecondFactorAttempt, secondFactorSucceeded } from './second-factor.service.ts';

/** The password version a challenge token is bound to. */
export const passwordVersion = async (passwordHash: string): Promise<string> => (await sha256Base64Url(passwordHash)).slice(0, 22);

/** A challenge token for the second step of `user`'s login. */
export async function challengeFor(signer: TokenSigner, user: { id: string; passwordHash: string }) {
  const { token, claims } = await signSecondStepToken(signer.keys, {
    ...signer.party,
    sub: user.id,
    pwv: await passwordVersion(user.passwordHash),
  });
  return { secondFactor: 'totp' as const, challengeToken: token, expiresIn: claims.exp - claims.iat };
}

const stepEnded = () => new AppError('unauthorized', 'The sign-in has expired or is not valid. Sign in with your password again.');

export const secondStepRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/auth/login/second-factor',
    tags: ['Auth'],
    summary: 'Second step of a login with two-factor authentication: a TOTP code or a recovery code',
    description:
      '401 `unauthorized`: the challenge token is expired, forged or void (sign in again). 403 `invalid_code` or `code_replayed`: try another code.',
    request: { body: jsonBody(secondStepBody, { maxBytes: BODY_LIMITS.small }) },
    responses: { 200: jsonResponse(sessionSchema, 'Signed in'), ...errorResponses(400, 401, 403, 413, 415, 429) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { config, db: dbOf } = c.get('services');
    const db = dbOf();
    const meta = requestMeta(c);
    const signer = await tokenSigner(c);
    let userId: string;
    let pwv: string;
    try {
      ({ sub: userId, pwv } = await verifySecondStepToken(signer.keys, body.challengeToken, signer.party));
    } catch (err) {
      if (!isTokenError(err)) throw err;
      console.log(JSON.stringify({ level: 'info', msg: 'second-step token refused', code: err.code, requestId: meta.requestId }));
      throw stepEnded();
    }
    const user = await findUserById(db, userId);
    if (!user || user.disabledAt !== null || (await passwordVersion(user.passwordHash)) !== pwv) throw stepEnded();

    const attempt = await reserveSecondFactorAttempt(db, user.id, clientKey(c));
    const factor = body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode ?? '' };
    const familyId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const access = await signSessionToken(signer, user.id, familyId);
    await auditingCodeFailure(db, meta, user.id, 'login', () =>
      db.transaction(async (tx) => {
        const used = await consumeSecondFactor(tx, config, user.id, factor, new Date());
        await secondFactorSucceeded(tx, attempt);
        await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
        await writeAudit(tx, meta, { action: 'auth.login', ...userEvent(user.id), detail: { familyId, secondFactor: used } });
      }),
    );
    setRefreshCookie(c, refresh);
    return c.json(sessionBody(access, publicUser(user)), 200);
  },
);
