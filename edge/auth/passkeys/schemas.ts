/**
 * Request and response schemas of passkeys. The WebAuthn JSON shapes
 * (W3C WebAuthn Level 3, `PublicKeyCredential.toJSON()`, what
 * @simplewebauthn/browser answers) are checked for shape and size here; the
 * verifier checks their content.
 */
import { z } from '@hono/zod-openapi';
import { safeText } from '../../api/text.ts';
import { MAX_PASSWORD_LENGTH } from '../schemas.ts';

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'Must be base64url.');
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const credentialFields = {
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const registrationResponse = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: b64url(4096),
      attestationObject: b64url(8192),
      transports: z.array(z.string().max(32)).max(8).optional(),
      authenticatorData: b64url(8192).optional(),
      publicKey: b64url(4096).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
  })
  .openapi('PasskeyRegistrationResponse', { description: 'The JSON of the credential navigator.credentials.create() made' });

export const assertionResponse = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: b64url(4096),
      authenticatorData: b64url(8192),
      signature: b64url(2048),
      userHandle: b64url(256).optional(),
    }),
  })
  .openapi('PasskeyAssertion', { description: 'The JSON of the credential navigator.credentials.get() answered' });

const password = z
  .string()
  .min(1)
  .max(MAX_PASSWORD_LENGTH * 4);
const passkeyName = safeText({ min: 1, max: 64, trim: true });

export const registrationOptionsBody = z.strictObject({ password }).openapi('PasskeyRegistrationStart');
export const registrationVerifyBody = z
  .strictObject({ name: passkeyName, response: registrationResponse })
  .openapi('PasskeyRegistrationFinish');
export const renameBody = z.strictObject({ name: passkeyName }).openapi('PasskeyRename');
export const deleteBody = z.strictObject({ password }).openapi('PasskeyDelete');
export const signInVerifyBody = z.strictObject({ response: assertionResponse }).openapi('PasskeySignIn');
export const secondStepOptionsBody = z.strictObject({ challengeToken: z.string().min(1).max(4096) }).openapi('PasskeySecondStepStart');

/** Options for navigator.credentials.create()/get() in their JSON form (give them to @simplewebauthn/browser as `optionsJSON`). */
export const optionsSchema = z
  .object({
    options: z
      .looseObject({ challenge: z.string() })
      .openapi({ description: 'PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON' }),
  })
  .openapi('PasskeyOptions');

export const passkeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    backedUp: z.boolean().openapi({ description: 'Synced by its provider (a multi-device passkey)' }),
    deviceType: z.enum(['singleDevice', 'multiDevice']),
    transports: z.array(z.enum(TRANSPORTS).or(z.string())),
  })
  .openapi('Passkey');

export const passkeyListSchema = z.object({ passkeys: z.array(passkeySchema) }).openapi('PasskeyList');
