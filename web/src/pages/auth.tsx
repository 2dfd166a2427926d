/** Sign in and create account. */
import { useState } from 'preact/hooks';
import { AuthError, type SecondStep, session } from '../api/session.ts';
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
  const [step, setStep] = useState<SecondStep | null>(null);
  if (step) return <SecondStepForm step={step} onRestart={() => setStep(null)} next={nextOf(query)} />;
  return (
    <section class="auth-card">
      <h1>Sign in</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          void run(async () => {
            const result = await session.login(String(f.get('email')), String(f.get('password')));
            if ('challengeToken' in result) setStep(result);
            else navigate(nextOf(query), { replace: true });
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
      {/* The button's name leaves "Sign in" to the password form's button (one control per name). */}
      <section class="passkey-sign-in" aria-labelledby="passkey-sign-in-title">
        <h2 id="passkey-sign-in-title">Sign in with a passkey</h2>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await session.passkeySignIn();
              navigate(nextOf(query), { replace: true });
            })
          }
        >
          Use a passkey
        </button>
      </section>
      <p>
        New here? <a href={`/register${query.get('next') ? `?next=${encodeURIComponent(nextOf(query))}` : ''}`}>Create an account</a>
      </p>
    </section>
  );
}

/** The second step of a login with two-factor authentication: a code of the app, a recovery code or a passkey. */
function SecondStepForm({ step, next, onRestart }: { step: SecondStep; next: string; onRestart: () => void }) {
  const { busy, error, run } = useAction();
  const [recovery, setRecovery] = useState(false);
  const expired = error instanceof AuthError && error.status === 401;
  const challenge = step.challengeToken;
  const hasTotp = step.secondFactors.includes('totp');
  const passkeyButton = step.secondFactors.includes('passkey') ? (
    <button
      type="button"
      disabled={busy || expired}
      onClick={() =>
        void run(async () => {
          await session.passkeySecondFactor(challenge);
          navigate(next, { replace: true });
        })
      }
    >
      Use a passkey
    </button>
  ) : null;
  if (!hasTotp) {
    return (
      <section class="auth-card">
        <h1>Two-factor authentication</h1>
        <ErrorBanner error={error} />
        <p>Confirm with one of your passkeys.</p>
        {passkeyButton}
        <p>
          <button type="button" class="link" onClick={onRestart}>
            Start over
          </button>
        </p>
      </section>
    );
  }
  return (
    <section class="auth-card">
      <h1>Two-factor authentication</h1>
      {passkeyButton}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const value = String(new FormData(e.currentTarget).get('code'));
          void run(async () => {
            await session.secondFactor(challenge, recovery ? { recoveryCode: value } : { code: value });
            navigate(next, { replace: true });
          });
        }}
      >
        <ErrorBanner error={error} />
        <label for="second-factor-code">{recovery ? 'Recovery code' : 'Code from your authenticator app'}</label>
        {recovery ? (
          <input id="second-factor-code" name="code" autocomplete="off" required maxLength={64} />
        ) : (
          <input id="second-factor-code" name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required />
        )}
        <button type="submit" disabled={busy || expired}>
          {busy ? 'Checking…' : 'Verify'}
        </button>
      </form>
      <p>
        <button type="button" class="link" onClick={() => setRecovery(!recovery)}>
          {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
        </button>{' '}
        <button type="button" class="link" onClick={onRestart}>
          Start over
        </button>
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
