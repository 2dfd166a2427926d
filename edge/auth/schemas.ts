/**
 * Request and response bodies of the auth routes, and the password policy.
 *
 * Password policy, NIST SP 800-63B style: length only, no composition rules
 * (no "one digit and one symbol"), no forced rotation; 10 to 256 characters,
 * counted as Unicode code points after NFKC normalisation (the form that is
 * hashed); refused when it is a well-known password or the account's own
 * email. 800-63B-4 asks 15 characters when a password is the only factor;
 * MIN_PASSWORD_LENGTH is the one constant to raise for that.
 */
import { z } from '@hono/zod-openapi';
import { safeText } from '../api/text.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
const MAX_EMAIL_LENGTH = 254;

/**
 * Passwords of the allowed length that top the public breach lists. A full
 * breached-password check (a k-anonymity range query) needs an outside
 * service; this short list only stops the most obvious choices offline.
 */
const COMMON_PASSWORDS = new Set([
  '1234567890',
  '12345678910',
  '123456789012',
  '0987654321',
  '1111111111',
  '0000000000',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'asdfghjkl1',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'abc1234567',
  'abcdefghij',
  'football123',
  'baseball123',
  'sunshine123',
  'princess123',
  'starwars123',
  'monkey12345',
  'changeme123',
]);

const codePoints = (s: string): number => [...s].length;

/** A new password: the policy above (the email check is in {@link registerBody}). */
export const newPassword = z
  .string()
  .transform((s) => s.normalize('NFKC'))
  .refine((s) => codePoints(s) >= MIN_PASSWORD_LENGTH, { message: `Must be at least ${MIN_PASSWORD_LENGTH} characters.` })
  .refine((s) => codePoints(s) <= MAX_PASSWORD_LENGTH, { message: `Must be at most ${MAX_PASSWORD_LENGTH} characters.` })
  .refine((s) => !COMMON_PASSWORDS.has(s.toLowerCase()), { message: 'This password is too common.' });

const email = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH)
  .pipe(z.email({ message: 'Must be an email address.' }));

export const registerBody = z
  .strictObject({
    email,
    password: newPassword,
    name: safeText({ min: 1, max: 100, trim: true }),
  })
  .refine((b) => b.password.toLowerCase() !== b.email.toLowerCase(), {
    path: ['password'],
    message: 'Must not be your email address.',
  });

/**
 * Login accepts any password up to the maximum length (a password set under
 * an older policy must still work); the cap bounds the hashing input.
 */
export const loginBody = z.strictObject({
  email,
  password: z
    .string()
    .min(1)
    .max(MAX_PASSWORD_LENGTH * 4),
});

/**
 * `POST /api/auth/password`: the current password (any length up to the
 * login cap, like login) and a new one under the policy. The new password
 * must not be the account's email either; the route checks that, since the
 * email is not in the body.
 */
export const passwordChangeBody = z.strictObject({
  currentPassword: z
    .string()
    .min(1)
    .max(MAX_PASSWORD_LENGTH * 4),
  newPassword,
});

export type RegisterBody = z.output<typeof registerBody>;
export type LoginBody = z.output<typeof loginBody>;
export type PasswordChangeBody = z.output<typeof passwordChangeBody>;

/** What the API shows of a user: never the password hash. */
export const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.string() }).openapi('User');
export type PublicUser = z.infer<typeof userSchema>;

/** What register, login, refresh and a password change answer. */
export const sessionSchema = z
  .object({
    accessToken: z.string().openapi({ description: 'A short-lived JWT for `Authorization: Bearer`.' }),
    expiresIn: z.number().openapi({ description: 'Seconds until the access token expires.' }),
    user: userSchema,
  })
  .openapi('Session', { description: 'Also sets the httpOnly `__Host-refresh` cookie.' });
export type SessionBody = z.infer<typeof sessionSchema>;
