/**
 * The "second step" token of a login whose account has a second factor: the
 * password was right, a TOTP or recovery code is still owed. It is a JWT of
 * its own kind (`typ: 2fa+jwt`, audience `<aud>#second-step`), so the access
 * token verifier (typ `at+jwt`, the plain audience) refuses it everywhere,
 * and it is accepted by one route only (`POST /api/auth/login/second-factor`).
 *
 * Claims: iss, aud, sub (the user), iat, exp (5 minutes), jti, and `pwv`: a
 * short hash of the password hash the login checked, so a password change
 * between the two steps voids the token.
 */
import { z } from 'zod';
import { epochSeconds, type ClockOptions, type PartyOptions, registeredClaims, signJwt, uuidClaim, verifyJwt } from './jwt.ts';
import type { KeySet } from './keys.ts';

export const SECOND_STEP_TOKEN_TYP = '2fa+jwt';
export const SECOND_STEP_TTL_SECONDS = 5 * 60;

/** The audience of second-step tokens: never the access tokens' own. */
export const secondStepAudience = (audience: string): string => `${audience}#second-step`;

const claimsSchema = z.strictObject({
  ...registeredClaims,
  sub: uuidClaim,
  jti: z.string().min(16).max(64),
  pwv: z.string().min(8).max(64),
});

export type SecondStepClaims = z.infer<typeof claimsSchema>;

export interface SignSecondStepInput extends PartyOptions {
  sub: string;
  /** The password version (a hash of the stored password hash). */
  pwv: string;
  now?: Date;
}

export async function signSecondStepToken(keys: KeySet, input: SignSecondStepInput): Promise<{ token: string; claims: SecondStepClaims }> {
  const iat = epochSeconds(input.now ?? new Date());
  const claims = claimsSchema.parse({
    iss: input.issuer,
    aud: secondStepAudience(input.audience),
    sub: input.sub,
    iat,
    exp: iat + SECOND_STEP_TTL_SECONDS,
    jti: crypto.randomUUID(),
    pwv: input.pwv,
  });
  return { token: await signJwt(keys, SECOND_STEP_TOKEN_TYP, claims), claims };
}

/** @throws TokenError for anything but a genuine, unexpired second-step token of this party. */
export async function verifySecondStepToken(keys: KeySet, token: unknown, options: PartyOptions & ClockOptions): Promise<SecondStepClaims> {
  return verifyJwt(keys, token, claimsSchema, {
    ...options,
    audience: secondStepAudience(options.audience),
    typ: SECOND_STEP_TOKEN_TYP,
    maxLifetimeSeconds: SECOND_STEP_TTL_SECONDS,
  });
}
