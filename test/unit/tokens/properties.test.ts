/**
 * Property tests: random claims round-trip sign -> verify, and any single-byte
 * change to a token is refused with a TokenError (never accepted, never
 * another exception).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenError } from '../../../shared/tokens/errors.ts';
import { signMediaToken, variantInScope, verifyMediaToken } from '../../../shared/tokens/media-token.ts';
import { signAccessToken, verifyAccessToken } from '../../../shared/tokens/session-token.ts';
import { sharePermissions, signShareToken, verifyShareToken } from '../../../shared/tokens/share-token.ts';
import { AUDIENCE, type Fixtures, ISSUER, makeFixtures } from './fixtures.ts';
import { kinds } from './kinds.ts';

// Each property signs and verifies a hundred tokens: seconds of CPU, far more on a shared, loaded machine.
vi.setConfig({ testTimeout: 60_000 });

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});

const party = { issuer: ISSUER, audience: AUDIENCE };
// Whole seconds between 2000 and 2100, so iat/exp round-trip exactly.
const instant = fc.integer({ min: 946_684_800, max: 4_102_444_800 }).map((s) => new Date(s * 1000));
const uuid = fc.uuid().map((u) => u.toLowerCase());
const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/).filter((s) => !s.includes('..'));
const variant = fc.array(segment, { minLength: 1, maxLength: 4 }).map((xs) => xs.join('/'));

describe('round trips', () => {
  it('access tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 120, unit: 'binary' }),
        fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
        instant,
        fc.integer({ min: 1, max: 3600 }),
        async (sub, sid, now, ttlSeconds) => {
          const { token, claims } = await signAccessToken(f.keys, { sub, ...(sid ? { sid } : {}), ...party, now, ttlSeconds });
          const got = await verifyAccessToken(f.keys, token, { ...party, now });
          expect(got).toEqual(claims);
          expect(got.sub).toBe(sub);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('share tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        uuid,
        fc.constantFrom('asset' as const, 'collection' as const),
        uuid,
        fc.constantFrom(...sharePermissions),
        instant,
        fc.integer({ min: 1, max: 10 * 365 * 86_400 }),
        async (linkId, type, id, permission, now, life) => {
          const expiresAt = new Date(now.getTime() + life * 1000);
          const token = await signShareToken(f.keys, { linkId, resource: { type, id }, permission, expiresAt, ...party, now });
          await expect(verifyShareToken(f.keys, token, { ...party, now })).resolves.toEqual({
            linkId,
            resource: { type, id },
            permission,
            issuedAt: now,
            expiresAt,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('media tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        uuid,
        variant,
        fc.boolean(),
        fc.constantFrom('view' as const, 'download' as const),
        instant,
        async (assetId, v, asPrefix, permission, now) => {
          const scope = asPrefix ? `${v}/` : v;
          const token = await signMediaToken(f.keys, { assetId, scope, permission, ...party, now });
          const requested = asPrefix ? `${v}/seg.ts` : v;
          await expect(verifyMediaToken(f.keys, token, { assetId, variant: requested, permission, ...party, now })).resolves.toMatchObject({
            assetId,
            scope,
            permission,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mutations', () => {
  it.each(kinds)('any single-byte change to a $name token is refused', async (kind) => {
    const token = await kind.sign(f.keys);
    await expect(kind.verify(f.keys, token)).resolves.toBeTruthy();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.integer({ min: 0, max: 255 }), async (i, byte) => {
        fc.pre(token.charCodeAt(i) !== byte);
        const mutated = token.slice(0, i) + String.fromCharCode(byte) + token.slice(i + 1);
        const err = await kind.verify(f.keys, mutated).then(
          () => new Error(`accepted a mutation at ${i}`),
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TokenError);
      }),
      { numRuns: 1000 },
    );
  });

  it('a scope never covers a variant outside it', () => {
    fc.assert(
      fc.property(variant, fc.string({ maxLength: 40 }), (v, requested) => {
        const scope = `${v}/`;
        if (variantInScope(requested, scope)) {
          expect(requested.startsWith(scope)).toBe(true);
          expect(requested.split('/')).not.toContain('..');
          expect(requested.split('/')).not.toContain('');
        }
      }),
    );
  });
});
