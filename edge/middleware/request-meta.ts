/**
 * What a request says about its caller beyond the credential: the request
 * id, the client address (./client-address.ts) and the user agent. Read once
 * per request by the handler and handed to the services that record it
 * (audit rows, refresh-token rows), which then need no Hono context.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { clientAddress } from './client-address.ts';

export interface RequestMeta {
  requestId: string;
  /** `CF-Connecting-IP`, or null when called directly (local runs). */
  ip: string | null;
  userAgent: string | null;
}

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return { requestId: c.get('requestId'), ip: clientAddress(c), userAgent: c.req.header('user-agent') ?? null };
}
