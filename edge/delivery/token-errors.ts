import { isTokenError } from '../../shared/tokens/index.ts';
import { AppError } from '../errors.ts';

/**
 * Turns a refused token into the generic client error (401, or 403 for a
 * genuine token that does not cover the request); the code goes to the log
 * only, never to the client.
 */
export function tokenRefused(err: unknown, requestId: string, what: string): never {
  if (!isTokenError(err)) throw err;
  console.log(JSON.stringify({ level: 'info', msg: `${what} refused`, code: err.code, requestId }));
  if (err.status === 403) throw new AppError('forbidden', `The ${what} does not cover this request.`);
  throw new AppError('unauthorized', `The ${what} is not valid.`);
}
