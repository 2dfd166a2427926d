/**
 * An org's share-link lifetimes (owners and admins): the default and the
 * longest life of links to the org's items, in days; the edge keeps
 * default ≤ longest and says which field is wrong otherwise.
 */
import { useId, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { FieldErrors } from './field-errors.tsx';

type Org = Schemas['Org'];

const DAY = 86400;

export function LinkLifetimes({ org, onSaved }: { org: Org; onSaved: (org: Org) => void }) {
  const id = useId();
  const [def, setDef] = useState(String(org.shareLinkDefaultTtl / DAY));
  const [max, setMax] = useState(String(org.shareLinkMaxTtl / DAY));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Share links</h3>
      <p class="muted small">
        Links to this organisation’s items last {formatDays(org.shareLinkDefaultTtl)} unless their creator chooses, and at most{' '}
        {formatDays(org.shareLinkMaxTtl)}. Created {formatDate(org.createdAt)}.
      </p>
      <form
        class="inline org-form"
        aria-label="Share link lifetimes"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const body = { shareLinkDefaultTtl: Math.round(Number(def) * DAY), shareLinkMaxTtl: Math.round(Number(max) * DAY) };
            onSaved(await api('PATCH /api/orgs/{id}', { path: { id: org.id }, body }));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div>
          <label for={`${id}-def`}>Default life (days)</label>
          <input
            id={`${id}-def`}
            type="number"
            min="0.001"
            max="365"
            step="any"
            required
            value={def}
            onInput={(e) => setDef(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for={`${id}-max`}>Longest life (days)</label>
          <input
            id={`${id}-max`}
            type="number"
            min="0.001"
            max="365"
            step="any"
            required
            value={max}
            onInput={(e) => setMax(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          Save
        </button>
        <div class="org-form-error">
          <FieldErrors error={error} />
        </div>
      </form>
    </section>
  );
}

function formatDays(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY} day${seconds === DAY ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}
