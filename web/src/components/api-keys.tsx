/** The account's API keys: create (the secret is shown once), list with last use, revoke. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';
import { SecretOnce } from './secret-once.tsx';

type Key = Schemas['ApiKey'];
const SCOPES: { id: Key['scopes'][number]; text: string }[] = [
  { id: 'assets:read', text: 'Read assets and media' },
  { id: 'assets:write', text: 'Change assets and collections' },
  { id: 'uploads', text: 'Upload' },
  { id: 'sharing', text: 'Share (links and grants also need read)' },
];

export function ApiKeys() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const load = async () => setKeys((await api('GET /api/auth/api-keys')).keys);
  useEffect(() => void run(load), []);
  if (!keys) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading API keys" />;
  return (
    <div>
      <ErrorBanner error={error} />
      {secret ? (
        <SecretOnce value={secret} testId="api-key-secret" onDone={() => setSecret(null)}>
          Copy the key now;
        </SecretOnce>
      ) : null}
      <form
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          const scopes = f.getAll('scope').map(String) as Key['scopes'];
          const expires = String(f.get('expires') ?? '');
          void run(async () => {
            const body = {
              name: String(f.get('name')),
              scopes,
              ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}),
            };
            const created = await api('POST /api/auth/api-keys', { body });
            setSecret(created.secret);
            form.reset();
            await load();
          });
        }}
      >
        <label for="key-name">Name</label>
        <input id="key-name" name="name" required maxLength={100} />
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.id} class="check">
              <input type="checkbox" name="scope" value={s.id} /> {s.text} (<code>{s.id}</code>)
            </label>
          ))}
        </fieldset>
        <label for="key-expires">Expires (optional)</label>
        <input id="key-expires" name="expires" type="date" />
        <button type="submit" disabled={busy}>
          Create key
        </button>
      </form>
      <ul class="key-list" aria-label="API keys">
        {keys.map((k) => (
          <li key={k.id}>
            <span>
              <strong>{k.name}</strong> <code>{k.prefix}…</code> · {k.scopes.join(', ')} · last used{' '}
              {k.lastUsedAt ? formatDate(k.lastUsedAt) : 'never'}
              {k.expiresAt ? ` · expires ${formatDate(k.expiresAt)}` : ''}
              {k.revokedAt ? ` · revoked ${formatDate(k.revokedAt)}` : ''}
            </span>
            {k.revokedAt ? null : (
              <button
                type="button"
                class="danger"
                disabled={busy}
                aria-label={`Revoke API key ${k.name}`}
                onClick={() =>
                  void run(async () => {
                    await api('DELETE /api/auth/api-keys/{id}', { path: { id: k.id } });
                    await load();
                  })
                }
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
