/**
 * The account's webhook endpoints: register (the signing secret is shown
 * once), choose events, enable/disable, rotate the secret, send a test
 * event, delete, and read each endpoint's delivery log.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';
import { WebhookDeliveries } from './webhooks-deliveries.tsx';
import { SecretOnce } from './secret-once.tsx';

type Endpoint = Schemas['WebhookEndpoint'];
type EventType = Endpoint['events'][number];
const EVENTS: { id: EventType; text: string }[] = [
  { id: 'upload.received', text: 'An original arrived' },
  { id: 'asset.ready', text: 'An asset finished processing' },
  { id: 'asset.failed', text: 'An asset failed or was blocked' },
  { id: 'share_link.opened', text: 'One of your share links was opened' },
  { id: 'share_link.downloaded', text: 'A file was downloaded through one of your links' },
];

export function Webhooks() {
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [secret, setSecret] = useState<{ url: string; value: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const { busy, error, run } = useAction();
  const load = async () => setEndpoints((await api('GET /api/webhooks')).endpoints);
  useEffect(() => void run(load), []);
  if (!endpoints) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading webhooks" />;
  const act = (fn: () => Promise<void>) => () => void run(fn);
  return (
    <div>
      <ErrorBanner error={error} />
      {secret ? (
        <SecretOnce value={secret.value} testId="webhook-secret" onDone={() => setSecret(null)}>
          Copy the signing secret for {secret.url} now;
        </SecretOnce>
      ) : null}
      <form
        aria-label="Add a webhook endpoint"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          const events = f.getAll('event').map(String) as EventType[];
          void run(async () => {
            const created = await api('POST /api/webhooks', {
              body: { url: String(f.get('url')), events, description: String(f.get('description') ?? '') },
            });
            setSecret({ url: created.endpoint.url, value: created.secret });
            form.reset();
            await load();
          });
        }}
      >
        <label for="hook-url">Endpoint URL (https)</label>
        <input id="hook-url" name="url" type="url" required maxLength={2048} placeholder="https://hooks.example.com/media" />
        <label for="hook-description">Description (optional)</label>
        <input id="hook-description" name="description" maxLength={200} />
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <label key={ev.id} class="check">
              <input type="checkbox" name="event" value={ev.id} /> {ev.text} (<code>{ev.id}</code>)
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Add endpoint
        </button>
      </form>
      <ul class="key-list" aria-label="Webhook endpoints">
        {endpoints.map((ep) => (
          <li key={ep.id} class="webhook">
            <span>
              <strong>{ep.url}</strong>
              {ep.description ? ` · ${ep.description}` : ''} · {ep.events.join(', ')} · {ep.enabled ? 'enabled' : 'disabled'}
              {ep.disabledReason ? ` (${ep.disabledReason})` : ''}
              {ep.previousSecretExpiresAt ? ` · previous secret signs until ${formatDate(ep.previousSecretExpiresAt)}` : ''}
            </span>
            <span class="actions">
              <button type="button" aria-expanded={open === ep.id} onClick={() => setOpen(open === ep.id ? null : ep.id)}>
                Delivery log
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={act(async () => {
                  await api('POST /api/webhooks/{id}/test', { path: { id: ep.id } });
                  setOpen(ep.id);
                  setRefresh((n) => n + 1);
                })}
              >
                Send test event
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={act(async () => {
                  await api('PATCH /api/webhooks/{id}', { path: { id: ep.id }, body: { enabled: !ep.enabled } });
                  await load();
                })}
              >
                {ep.enabled ? 'Disable' : 'Enable'}
              </button>
              <button
                type="button"
                disabled={busy}
                aria-label={`Rotate the secret of ${ep.url}`}
                onClick={act(async () => {
                  const rotated = await api('POST /api/webhooks/{id}/rotate-secret', { path: { id: ep.id } });
                  setSecret({ url: rotated.endpoint.url, value: rotated.secret });
                  await load();
                })}
              >
                Rotate secret
              </button>
              <button
                type="button"
                class="danger"
                disabled={busy}
                aria-label={`Delete webhook endpoint ${ep.url}`}
                onClick={act(async () => {
                  await api('DELETE /api/webhooks/{id}', { path: { id: ep.id } });
                  if (open === ep.id) setOpen(null);
                  await load();
                })}
              >
                Delete
              </button>
            </span>
            {open === ep.id ? <WebhookDeliveries endpointId={ep.id} enabled={ep.enabled} refresh={refresh} /> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
