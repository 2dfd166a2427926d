/**
 * The account's two-factor authentication: enrol (QR code and the secret to
 * type), confirm with a code, the recovery codes shown once, renew them,
 * and disable (password and a code).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { QrCode } from './qr-code.tsx';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';

type Status = Schemas['TotpStatus'];

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div class="recovery-codes" role="status">
      <p>
        <strong>Save these recovery codes now.</strong> Each works once if you lose your authenticator; they will not be shown again.
      </p>
      <ul aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

export function TwoFactor() {
  const [status, setStatus] = useState<Status | null>(null);
  const [enrolment, setEnrolment] = useState<Schemas['TotpEnrolment'] | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const { busy, error, run } = useAction();
  const load = () => run(async () => setStatus(await api('GET /api/auth/totp')));
  useEffect(() => void load(), []);

  if (codes) return <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />;
  if (!status) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading two-factor status" />;
  const codeField = (id: string) => (
    <>
      <label for={id}>Code from the app</label>
      <input id={id} name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required />
    </>
  );
  if (status.enabled)
    return (
      <div>
        <p>
          Two-factor authentication is <strong>on</strong>. Recovery codes left: {status.recoveryCodesLeft}.
        </p>
        <ErrorBanner error={error} />
        <form
          aria-label="Disable two-factor authentication"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const code = String(f.get('code'));
            const factor = /^[0-9 ]{6,7}$/.test(code) ? { code } : { recoveryCode: code };
            void run(async () => {
              await api('POST /api/auth/totp/disable', { body: { password: String(f.get('password')), ...factor } });
              setStatus(await api('GET /api/auth/totp'));
            });
          }}
        >
          <label for="disable-password">Password</label>
          <input id="disable-password" name="password" type="password" autocomplete="current-password" required />
          <label for="disable-code">Code from the app, or a recovery code</label>
          <input id="disable-code" name="code" autocomplete="one-time-code" required />
          <button type="submit" class="danger" disabled={busy}>
            Disable two-factor authentication
          </button>
        </form>
        <form
          aria-label="New recovery codes"
          onSubmit={(e) => {
            e.preventDefault();
            const code = String(new FormData(e.currentTarget).get('code'));
            void run(async () => setCodes((await api('POST /api/auth/totp/recovery-codes', { body: { code } })).recoveryCodes));
          }}
        >
          {codeField('renew-code')}
          <button type="submit" disabled={busy}>
            New recovery codes
          </button>
        </form>
      </div>
    );
  return (
    <div>
      <p>Two-factor authentication is off. With it on, signing in also asks for a code from an authenticator app.</p>
      <ErrorBanner error={error} />
      {enrolment ? (
        <form
          aria-label="Confirm two-factor authentication"
          onSubmit={(e) => {
            e.preventDefault();
            const code = String(new FormData(e.currentTarget).get('code'));
            void run(async () => {
              const { recoveryCodes } = await api('POST /api/auth/totp/confirm', { body: { code } });
              setEnrolment(null);
              setCodes(recoveryCodes);
              setStatus(await api('GET /api/auth/totp'));
            });
          }}
        >
          <p>Scan this code with your authenticator app, or type the key, then enter the code it shows.</p>
          <QrCode text={enrolment.uri} label="QR code of the authenticator key" />
          <p>
            Key: <code data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          {codeField('confirm-code')}
          <button type="submit" disabled={busy}>
            Turn on
          </button>
        </form>
      ) : (
        <button type="button" disabled={busy} onClick={() => void run(async () => setEnrolment(await api('POST /api/auth/totp/enrol')))}>
          Set up two-factor authentication
        </button>
      )}
    </div>
  );
}
