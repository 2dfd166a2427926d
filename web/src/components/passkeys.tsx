/**
 * The account's passkeys: add (a name and the password, then the browser's
 * passkey prompt), rename, remove (the password again). The edge requires
 * the password for adding and removing (edge/auth/passkeys/passkeys.routes.ts).
 */
import { startRegistration } from '@simplewebauthn/browser';
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';

type Passkey = Schemas['Passkey'];
type CreationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];

export function Passkeys() {
  const [items, setItems] = useState<Passkey[] | null>(null);
  const [note, setNote] = useState('');
  const [editing, setEditing] = useState<{ id: string; action: 'rename' | 'remove' } | null>(null);
  const { busy, error, run } = useAction();
  const load = async () => setItems((await api('GET /api/auth/passkeys')).passkeys);
  useEffect(() => void run(load), []);
  if (!items) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading passkeys" />;
  const supported = typeof window !== 'undefined' && 'PublicKeyCredential' in window;
  return (
    <div>
      <ErrorBanner error={error} />
      <p role="status">{note}</p>
      {supported ? (
        <form
          aria-label="Add a passkey"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            const f = new FormData(form);
            const name = String(f.get('name'));
            void run(async () => {
              const { options } = await api('POST /api/auth/passkeys/registration/options', {
                body: { password: String(f.get('password')) },
              });
              const response = await startRegistration({ optionsJSON: options as unknown as CreationOptions });
              await api('POST /api/auth/passkeys/registration', {
                body: { name, response: response as unknown as Schemas['PasskeyRegistrationResponse'] },
              });
              form.reset();
              setNote(`Added the passkey ${name}.`);
              await load();
            });
          }}
        >
          <label for="passkey-name">Passkey name</label>
          <input id="passkey-name" name="name" required maxLength={64} placeholder="Laptop, phone…" />
          <label for="passkey-password">Your password</label>
          <input id="passkey-password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" disabled={busy}>
            Add a passkey
          </button>
        </form>
      ) : (
        <p>This browser cannot use passkeys.</p>
      )}
      {items.length === 0 ? <p>No passkeys yet.</p> : null}
      <ul class="key-list" aria-label="Passkeys">
        {items.map((p) => (
          <li key={p.id}>
            <span>
              <strong>{p.name}</strong> · {p.backedUp ? 'synced' : 'this device only'} · added {formatDate(p.createdAt)} · last used{' '}
              {p.lastUsedAt ? formatDate(p.lastUsedAt) : 'never'}
            </span>
            {editing?.id === p.id ? (
              <form
                aria-label={`${editing.action === 'rename' ? 'Rename' : 'Remove'} passkey ${p.name}`}
                onSubmit={(e) => {
                  e.preventDefault();
                  const value = String(new FormData(e.currentTarget).get('value'));
                  void run(async () => {
                    if (editing.action === 'rename') {
                      await api('PATCH /api/auth/passkeys/{id}', { path: { id: p.id }, body: { name: value } });
                      setNote(`Renamed the passkey to ${value}.`);
                    } else {
                      await api('DELETE /api/auth/passkeys/{id}', { path: { id: p.id }, body: { password: value } });
                      setNote(`Removed the passkey ${p.name}.`);
                    }
                    setEditing(null);
                    await load();
                  });
                }}
              >
                <label for={`passkey-${p.id}-value`}>{editing.action === 'rename' ? 'New name' : 'Your password'}</label>
                {editing.action === 'rename' ? (
                  <input id={`passkey-${p.id}-value`} name="value" required maxLength={64} defaultValue={p.name} />
                ) : (
                  <input id={`passkey-${p.id}-value`} name="value" type="password" autocomplete="current-password" required />
                )}
                <button type="submit" disabled={busy} class={editing.action === 'remove' ? 'danger' : undefined}>
                  {editing.action === 'rename' ? 'Save name' : 'Remove passkey'}
                </button>
                <button type="button" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : (
              <span>
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Rename passkey ${p.name}`}
                  onClick={() => setEditing({ id: p.id, action: 'rename' })}
                >
                  Rename
                </button>{' '}
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  aria-label={`Remove passkey ${p.name}`}
                  onClick={() => setEditing({ id: p.id, action: 'remove' })}
                >
                  Remove
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
