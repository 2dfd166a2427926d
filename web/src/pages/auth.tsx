/** Sign in and create account. */
import { AuthError, session } from '../api/session.ts';
import { ErrorBanner } from '../components/status.tsx';
import { useAction } from '../components/use-action.ts';
import { navigate } from '../router.ts';

type Props = { query: URLSearchParams };

/** Only same-site paths are followed after sign-in (no open redirect). */
function nextOf(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof AuthError && err.details && typeof err.details === 'object') {
    // The edge's validation_failed details: { fields: [{ field, code, message }] }.
    for (const i of (err.details as { fields?: { field?: string; message?: string }[] }).fields ?? []) {
      if (i.field && i.message) out[i.field] ??= i.message;
    }
  }
  return out;
}

export function LoginPage({ query }: Props) {
  const { busy, error, run } = useAction();
  return (
    <section class="auth-card">
      <h1>Sign in</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          void run(async () => {
            await session.login(String(f.get('email')), String(f.get('password')));
            navigate(nextOf(query), { replace: true });
          });
        }}
      >
        <ErrorBanner error={error} />
        <label for="login-email">Email</label>
        <input id="login-email" name="email" type="email" autocomplete="username" required />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <a href={`/register${query.get('next') ? `?next=${encodeURIComponent(nextOf(query))}` : ''}`}>Create an account</a>
      </p>
    </section>
  );
}

export function RegisterPage({ query }: Props) {
  const { busy, error, run } = useAction();
  const fields = fieldErrors(error);
  const describe = (name: string) => (fields[name] ? `register-${name}-error` : undefined);
  return (
    <section class="auth-card">
      <h1>Create account</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          void run(async () => {
            await session.register(String(f.get('email')), String(f.get('password')), String(f.get('name')));
            navigate(nextOf(query), { replace: true });
          });
        }}
      >
        <ErrorBanner error={error} />
        <label for="register-name">Name</label>
        <input id="register-name" name="name" autocomplete="name" required maxLength={100} aria-describedby={describe('name')} />
        {fields.name ? (
          <p id="register-name-error" class="field-error">
            {fields.name}
          </p>
        ) : null}
        <label for="register-email">Email</label>
        <input id="register-email" name="email" type="email" autocomplete="email" required aria-describedby={describe('email')} />
        {fields.email ? (
          <p id="register-email-error" class="field-error">
            {fields.email}
          </p>
        ) : null}
        <label for="register-password">Password</label>
        <input
          id="register-password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minLength={10}
          aria-describedby="register-password-hint"
        />
        <p id="register-password-hint" class="hint">
          {fields.password ?? 'At least 10 characters.'}
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account? <a href="/login">Sign in</a>
      </p>
    </section>
  );
}
