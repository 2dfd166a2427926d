/**
 * An org's invitations, for its owners and admins: invite an email address
 * (as member or admin) and see, or revoke, what is pending. People join only
 * by accepting (my-invitations.tsx). The edge answers the same whether or not
 * the address has an account, so the page says so neutrally instead of
 * claiming that someone was invited.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { FieldErrors } from './field-errors.tsx';
import { ErrorBanner, Spinner } from './status.tsx';
import { useAction } from './use-action.ts';
import '../styles/invitations.css';

type Org = Schemas['Org'];
type Pending = Schemas['OrgInvitation'];
type InvitedRole = Schemas['InviteToOrg']['role'];

export function OrgInvitations({ org, announce }: { org: Org; announce: (text: string) => void }) {
  const headingId = useId();
  const [pending, setPending] = useState<Pending[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      setPending((await api('GET /api/orgs/{id}/invitations', { path: { id: org.id } })).items);
      setError(null);
    } catch (err) {
      setError(err);
      setPending((p) => p ?? []);
    }
  };
  useEffect(() => {
    void load();
  }, [org.id]);

  const revoke = async (inv: Pending) => {
    try {
      await api('DELETE /api/orgs/{id}/invitations/{invitationId}', { path: { id: org.id, invitationId: inv.id } });
      setPending((list) => list?.filter((x) => x.id !== inv.id) ?? null);
      setError(null);
      announce(`Invitation for ${inv.email} revoked.`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Invitations</h3>
      <InviteForm
        org={org}
        onInvited={(email) => {
          announce(`Invitation sent to ${email}. If an account exists for that address, they'll see the invitation.`);
          void load();
        }}
      />
      <ErrorBanner error={error} />
      {pending === null ? (
        <Spinner label="Loading invitations" />
      ) : pending.length === 0 ? (
        <p class="muted small">No pending invitations.</p>
      ) : (
        <ul class="invitation-list" aria-label="Pending invitations">
          {pending.map((inv) => (
            <li key={inv.id} class="row">
              <span class="invitation-who">
                {inv.email} <span class="badge">{inv.role}</span>
              </span>
              <span class="muted small">
                {inv.invitedBy ? `by ${inv.invitedBy.name}, ` : ''}until {formatDate(inv.expiresAt)}
              </span>
              <button type="button" class="secondary" aria-label={`Revoke invitation for ${inv.email}`} onClick={() => void revoke(inv)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function InviteForm({ org, onInvited }: { org: Org; onInvited: (email: string) => void }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvitedRole>('member');
  const { busy, error, run } = useAction();
  return (
    <form
      class="inline org-form"
      aria-label="Invite someone"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const { invitation } = await api('POST /api/orgs/{id}/invitations', {
            path: { id: org.id },
            body: { email: email.trim(), role },
          });
          setEmail('');
          onInvited(invitation.email);
        });
      }}
    >
      <div>
        <label for={`${id}-email`}>Email to invite</label>
        <input id={`${id}-email`} type="email" required autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </div>
      <div>
        <label for={`${id}-role`}>Invite as</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.currentTarget.value as InvitedRole)}>
          <option value="member">Member</option>
          <option value="admin">Admin</option>
        </select>
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Inviting…' : 'Invite'}
      </button>
      <div class="org-form-error">
        <FieldErrors error={error} />
      </div>
    </form>
  );
}
