/** The account's signed-in sessions, each with an End button, and "End all others". */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';

export function SessionsList() {
  const [items, setItems] = useState<Schemas['SessionItem'][] | null>(null);
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  const load = async () => setItems((await api('GET /api/auth/sessions')).sessions);
  useEffect(() => void run(load), []);
  if (!items) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading sessions" />;
  return (
    <div>
      <ErrorBanner error={error} />
      <p role="status">{note}</p>
      <ul class="session-list" aria-label="Signed-in sessions">
        {items.map((s) => (
          <li key={s.id}>
            <span>
              <strong>{s.client}</strong>
              {s.current ? ' (this session)' : ''} · {s.address ?? 'unknown address'} · signed in {formatDate(s.createdAt)} · last active{' '}
              {formatDate(s.lastUsedAt)}
            </span>
            {s.current ? null : (
              <button
                type="button"
                disabled={busy}
                aria-label={`End session: ${s.client}, ${s.address ?? 'unknown address'}`}
                onClick={() =>
                  void run(async () => {
                    await api('DELETE /api/auth/sessions/{id}', { path: { id: s.id } });
                    setNote(`Ended the session on ${s.client}.`);
                    await load();
                  })
                }
              >
                End
              </button>
            )}
          </li>
        ))}
      </ul>
      {items.length > 1 ? (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const { ended } = await api('POST /api/auth/sessions/end-others');
              setNote(`Ended ${ended} other session${ended === 1 ? '' : 's'}.`);
              await load();
            })
          }
        >
          End all other sessions
        </button>
      ) : null}
    </div>
  );
}
