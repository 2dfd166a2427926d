/** The delivery log of one webhook endpoint: event, state, attempts, last status; redeliver. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';

type Delivery = Schemas['WebhookDelivery'];

export function WebhookDeliveries({ endpointId, enabled, refresh }: { endpointId: string; enabled: boolean; refresh: number }) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const { busy, error, run } = useAction();
  const load = async () =>
    setRows((await api('GET /api/webhooks/{id}/deliveries', { path: { id: endpointId }, query: { limit: 25 } })).deliveries);
  useEffect(() => void run(load), [endpointId, refresh]);
  if (!rows) return error ? <ErrorBanner error={error} /> : <Spinner label="Loading deliveries" />;
  return (
    <div>
      <ErrorBanner error={error} />
      <button type="button" disabled={busy} onClick={() => void run(load)}>
        Refresh log
      </button>
      {rows.length === 0 ? (
        <p>No deliveries yet.</p>
      ) : (
        <table class="delivery-log" aria-label="Delivery log">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last status</th>
              <th scope="col">Next attempt</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.eventType}</code>
                </td>
                <td>{formatDate(d.createdAt)}</td>
                <td>{d.state}</td>
                <td>{d.attempts}</td>
                <td title={d.lastError ?? ''}>{d.lastStatus ?? (d.lastError ? d.lastError : '—')}</td>
                <td>{d.nextAttemptAt ? formatDate(d.nextAttemptAt) : '—'}</td>
                <td>
                  {d.state === 'pending' || !enabled ? null : (
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Redeliver ${d.eventType} of ${formatDate(d.createdAt)}`}
                      onClick={() =>
                        void run(async () => {
                          await api('POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
                            path: { id: endpointId, deliveryId: d.id },
                          });
                          await load();
                        })
                      }
                    >
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
