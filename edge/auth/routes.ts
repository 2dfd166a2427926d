/**
 * The auth API: sessions (register, login, refresh, logout), the login's
 * second step, the password change, `GET /api/me`, the TOTP factor, the
 * sessions list, API keys and passkeys. One OpenAPI router, registered once in
 * edge/app.ts after the Origin check and the per-client limit on /api/auth/*.
 * (`/.well-known/jwks.json` is not under /api: ./jwks.routes.ts.)
 */
import { apiRouter } from '../api/router.ts';
import { authRoutes } from './auth.routes.ts';
import { meRoutes } from './me.routes.ts';
import { passwordRoutes } from './password.routes.ts';
import { apiKeysRoutes } from './api-keys/api-keys.routes.ts';
import { sessionsRoutes } from './sessions/sessions.routes.ts';
import { secondStepRoutes } from './totp/second-step.routes.ts';
import { totpRoutes } from './totp/totp.routes.ts';
import { passkeysRoutes } from './passkeys/passkeys.routes.ts';
import { passkeySignInRoutes } from './passkeys/sign-in.routes.ts';

export const auth = apiRouter()
  .route('/', authRoutes)
  .route('/', secondStepRoutes)
  .route('/', passwordRoutes)
  .route('/', meRoutes)
  .route('/', totpRoutes)
  .route('/', sessionsRoutes)
  .route('/', apiKeysRoutes)
  .route('/', passkeysRoutes)
  .route('/', passkeySignInRoutes);
