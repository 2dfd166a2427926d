/**
 * The signed-in user's own invitations to organisations: a list with Accept
 * and Decline (on the organisations page) and a count beside the
 * "Organisations" link of the navigation. Joining an org is the invitee's
 * choice, so nothing happens until they answer.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { signal, useSignal } from '../api/signal.ts';
import { formatDate } from '../format.ts';
import { ErrorBanner } from './status.tsx';
import '../styles/invitations.css';

type Invitation = Schemas['Invitation'];

/** The caller's pending invitations, shared by the list and the navigation badge (null: not loaded). */
const mine = signal<Invitation[] | null>(null);

export async function reloadMyInvitations(): Promise<void> {
  mine.set((await api('GET /api/invitations')).invitations);
}

/** "2" beside the navigation's Organisations link while invitations wait for an answer. */
export function InvitationBadge() {
  const list = useSignal(mine);
  useEffect(() => {
    // A failed count only hides the badge; the organisations page shows the error.
    reloadMyInvitations().catch(() => undefined);
  }, []);
  const n = list?.length ?? 0;
  if (n === 0) return null;
  return (
    <>
      <span class="badge badge-on nav-count" aria-hidden="true">
        {n}
      </span>
      <span class="visually-hidden">
        {' '}
        ({n} invitation{n === 1 ? '' : 's'} waiting)
      </span>
    </>
  );
}

/** The invitations waiting for the caller's answer; `onJoined` after an accept. */
export function MyInvitations({ announce, onJoined }: { announce: (text: string) => void; onJoined: (orgId: string) => void }) {
  const list = useSignal(mine);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    reloadMyInvitations().catch((err: unknown) => setError(err));
  }, []);

  const answer = async (inv: Invitation, how: 'accept' | 'decline') => {
    setBusy(inv.id);
    try {
      await api(how === 'accept' ? 'POST /api/invitations/{id}/accept' : 'POST /api/invitations/{id}/decline', { path: { id: inv.id } });
      setError(null);
      announce(how === 'accept' ? `You joined ${inv.org.name}.` : `You declined the invitation to ${inv.org.name}.`);
      if (how === 'accept') onJoined(inv.org.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      await reloadMyInvitations().catch(() => undefined);
    }
  };

  if (!error && (list === null || list.length === 0)) return null;
  return (
    <section class="card my-invitations" aria-labelledby="my-invitations-h">
      <h2 id="my-invitations-h">Invitations for you</h2>
      <ErrorBanner error={error} />
      <ul class="invitation-list">
        {(list ?? []).map((inv) => (
          <li key={inv.id} class="row">
            <span class="invitation-who">
              <strong>{inv.org.name}</strong> <span class="badge">{inv.role}</span>
            </span>
            <span class="muted small">
              {inv.invitedBy ? `${inv.invitedBy.name} invited you` : 'You were invited'}; answer by {formatDate(inv.expiresAt)}
            </span>
            <button
              type="button"
              disabled={busy !== null}
              aria-label={`Accept the invitation to ${inv.org.name}`}
              onClick={() => void answer(inv, 'accept')}
            >
              Accept
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy !== null}
              aria-label={`Decline the invitation to ${inv.org.name}`}
              onClick={() => void answer(inv, 'decline')}
            >
              Decline
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
