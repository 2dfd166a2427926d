/**
 * Token formats (DESIGN.md, "Tokens"): pure functions over WebCrypto and jose
 * that run unchanged in workerd and Node. Every verifier throws only
 * {@link TokenError}, whose `code` callers switch on.
 */
export { isTokenError, TokenError, tokenErrorCodes, tokenErrorStatus, type TokenErrorCode } from './errors.ts';
export type { ClockOptions, PartyOptions } from './jwt.ts';
export * from './keys.ts';
export * from './media-token.ts';
export * from './session-token.ts';
export * from './share-token.ts';
export * from './share-unlock-token.ts';
export * from './second-step-token.ts';
export * from './zip-token.ts';
