/**
 * The three token kinds behind one shape, so the RFC 8725 matrix and the
 * property tests run the same cases against every verifier.
 */
import type { KeySet } from '../../../shared/tokens/keys.ts';
import { signMediaToken, verifyMediaToken } from '../../../shared/tokens/media-token.ts';
import { signAccessToken, verifyAccessToken } from '../../../shared/tokens/session-token.ts';
import { signShareToken, verifyShareToken } from '../../../shared/tokens/share-token.ts';
import { ASSET, AUDIENCE, ISSUER, LINK, NOW, OTHER_ASSET } from './fixtures.ts';

export interface Ctx {
  now?: Date;
  issuer?: string;
  audience?: string;
  clockSkewSeconds?: number;
}

export interface Kind {
  name: 'session' | 'share' | 'media';
  typ: string;
  /** Lifetime of the tokens `sign` makes, in seconds. */
  ttl: number;
  sign(keys: KeySet, ctx?: Ctx): Promise<string>;
  verify(keys: KeySet, token: unknown, ctx?: Ctx): Promise<unknown>;
  /** Changes one claim the way an attacker would want to. */
  tamper(payload: Record<string, unknown>): void;
}

const party = (ctx: Ctx) => ({ issuer: ctx.issuer ?? ISSUER, audience: ctx.audience ?? AUDIENCE });
const clock = (ctx: Ctx) => ({
  now: ctx.now ?? NOW,
  ...(ctx.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: ctx.clockSkewSeconds }),
});

export const session: Kind = {
  name: 'session',
  typ: 'at+jwt',
  ttl: 900,
  sign: async (keys, ctx = {}) => (await signAccessToken(keys, { sub: 'user-1', ...party(ctx), now: ctx.now ?? NOW })).token,
  verify: (keys, token, ctx = {}) => verifyAccessToken(keys, token, { ...party(ctx), ...clock(ctx) }),
  tamper: (p) => void (p.sub = 'admin'),
};

export const share: Kind = {
  name: 'share',
  typ: 'share+jwt',
  ttl: 86_400,
  sign: (keys, ctx = {}) => {
    const now = ctx.now ?? NOW;
    return signShareToken(keys, {
      linkId: LINK,
      resource: { type: 'asset', id: ASSET },
      permission: 'view',
      expiresAt: new Date(now.getTime() + 86_400_000),
      ...party(ctx),
      now,
    });
  },
  verify: (keys, token, ctx = {}) => verifyShareToken(keys, token, { ...party(ctx), ...clock(ctx) }),
  tamper: (p) => void (p.p = 'manage'),
};

export const media: Kind = {
  name: 'media',
  typ: 'media+jwt',
  ttl: 300,
  sign: (keys, ctx = {}) => signMediaToken(keys, { assetId: ASSET, scope: 'hls/', ...party(ctx), now: ctx.now ?? NOW }),
  verify: (keys, token, ctx = {}) =>
    verifyMediaToken(keys, token, { assetId: ASSET, variant: 'hls/master.m3u8', ...party(ctx), ...clock(ctx) }),
  tamper: (p) => void (p.a = OTHER_ASSET),
};

export const kinds = [session, share, media] as const;
