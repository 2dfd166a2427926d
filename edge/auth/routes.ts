/**
 * The auth API: sessions (register, login, refresh, logout), the password
 * change and `GET /api/me`. One OpenAPI router, registered once in
 * edge/app.ts after the Origin check and the per-client limit on /api/auth/*.
 * (`/.well-known/jwks.json` is not under /api: ./jwks.routes.ts.)
 */
import { apiRouter } from '../api/router.ts';
import { authRoutes } from './auth.routes.ts';
import { meRoutes } from './me.routes.ts';
import { passwordRoutes } from './password.routes.ts';

export const auth = apiRouter().route('/', authRoutes).route('/', passwordRoutes).route('/', meRoutes);
