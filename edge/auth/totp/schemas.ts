/** Request and response schemas of the TOTP second factor and the login's second step. */
import { z } from '@hono/zod-openapi';
import { assertionResponse } from '../passkeys/schemas.ts';
import { MAX_PASSWORD_LENGTH } from '../schemas.ts';

/** Six digits; spaces a person typed (`123 456`) are removed. */
export const totpCode = z
  .string()
  .max(32)
  .transform((s) => s.replace(/\s/g, ''))
  .pipe(z.string().regex(/^[0-9]{6}$/, 'Must be the six digits of the authenticator app.'))
  .openapi({ example: '123456' });

export const recoveryCode = z.string().min(1).max(64).openapi({ example: 'abcde-fghjk' });

/** A TOTP code or a recovery code, exactly one of them. */
const factorFields = { code: totpCode.optional(), recoveryCode: recoveryCode.optional() };
const exactlyOne = (b: { code?: string; recoveryCode?: string }) => (b.code === undefined) !== (b.recoveryCode === undefined);
const oneFactor = { path: ['code'], message: 'Give either code or recoveryCode.' };

/** The second step: a TOTP code, a recovery code or a passkey assertion, exactly one of them. */
export const secondStepBody = z
  .strictObject({ challengeToken: z.string().min(1).max(4096), ...factorFields, passkey: assertionResponse.optional() })
  .refine((b) => [b.code, b.recoveryCode, b.passkey].filter((f) => f !== undefined).length === 1, {
    path: ['code'],
    message: 'Give one of code, recoveryCode or passkey.',
  })
  .openapi('SecondStepRequest');

export const confirmBody = z.strictObject({ code: totpCode }).openapi('TotpConfirm');

export const disableBody = z
  .strictObject({
    password: z
      .string()
      .min(1)
      .max(MAX_PASSWORD_LENGTH * 4),
    ...factorFields,
  })
  .refine(exactlyOne, oneFactor)
  .openapi('TotpDisable');

export const renewCodesBody = z.strictObject({ code: totpCode }).openapi('RecoveryCodesRenew');

export const secondStepSchema = z
  .object({
    secondFactor: z.enum(['totp', 'passkey']).openapi({ description: 'The first of secondFactors' }),
    secondFactors: z.array(z.enum(['totp', 'passkey'])).openapi({ description: 'The factors of the account that can answer' }),
    challengeToken: z
      .string()
      .openapi({ description: 'Send with a code or a passkey assertion to POST /api/auth/login/second-factor; good for 5 minutes' }),
    expiresIn: z.number().int(),
  })
  .openapi('SecondStepRequired');

export const totpStatusSchema = z
  .object({ enabled: z.boolean(), pending: z.boolean(), recoveryCodesLeft: z.number().int() })
  .openapi('TotpStatus');

export const enrolmentSchema = z
  .object({
    secret: z.string().openapi({ description: 'The key in base32, for typing into an app' }),
    uri: z.string().openapi({ description: 'otpauth:// URI for a QR code' }),
  })
  .openapi('TotpEnrolment');

export const recoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()).openapi({ description: 'Shown once; each works once' }) })
  .openapi('RecoveryCodes');
