/** The account page: two-factor authentication, passkeys, signed-in sessions, API keys, webhooks. */
import { ApiKeys } from '../components/api-keys.tsx';
import { Passkeys } from '../components/passkeys.tsx';
import { SessionsList } from '../components/sessions-list.tsx';
import { TwoFactor } from '../components/two-factor.tsx';
import { Webhooks } from '../components/webhooks.tsx';
import '../styles/account.css';

export function AccountPage() {
  return (
    <section class="account">
      <h1>Account</h1>
      <section aria-labelledby="account-2fa">
        <h2 id="account-2fa">Two-factor authentication</h2>
        <TwoFactor />
      </section>
      <section aria-labelledby="account-passkeys">
        <h2 id="account-passkeys">Passkeys</h2>
        <Passkeys />
      </section>
      <section aria-labelledby="account-sessions">
        <h2 id="account-sessions">Signed-in sessions</h2>
        <SessionsList />
      </section>
      <section aria-labelledby="account-keys">
        <h2 id="account-keys">API keys</h2>
        <ApiKeys />
      </section>
      <section aria-labelledby="account-webhooks">
        <h2 id="account-webhooks">Webhooks</h2>
        <Webhooks />
      </section>
    </section>
  );
}
