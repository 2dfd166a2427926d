/**
 * An org's groups on the organisations page: create one (owners and admins),
 * open it to see its members, add org members to it or remove them (owners
 * and admins; anyone may leave). Only org members can be in a group.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { currentUser } from '../api/session.ts';
import { useSignal } from '../api/signal.ts';
import { FieldErrors } from './field-errors.tsx';
import { ErrorBanner, Spinner } from './status.tsx';
import '../styles/sharing.css';

type Org = Schemas['Org'];
type Member = Schemas['OrgMember'];
type Group = Schemas['Group'];
type GroupMember = Schemas['GroupMember'];

export function CreateGroupForm({ org, onCreated }: { org: Org; onCreated: (g: Group) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="inline org-form"
      aria-label="Create a group"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          onCreated(await api('POST /api/orgs/{id}/groups', { path: { id: org.id }, body: { name: name.trim() } }));
          setName('');
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <div>
        <label for={`${id}-name`}>New group’s name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={busy}>
        Create group
      </button>
      <div class="org-form-error">
        <FieldErrors error={error} />
      </div>
    </form>
  );
}

export function GroupItem({
  group,
  manager,
  orgMembers,
  announce,
  onChanged,
}: {
  group: Group;
  manager: boolean;
  orgMembers: Member[];
  announce: (text: string) => void;
  onChanged: () => void;
}) {
  const id = useId();
  const me = useSignal(currentUser);
  const [open, setOpen] = useState(false);
  const [members, setMembers] = useState<GroupMember[] | null>(null);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    try {
      setMembers((await api('GET /api/groups/{id}/members', { path: { id: group.id } })).items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    if (open && members === null) void load();
  }, [open]);

  const candidates = orgMembers.filter((m) => !members?.some((g) => g.userId === m.userId));

  return (
    <li class="group-item">
      <div class="row">
        <button type="button" class="link" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => setOpen(!open)}>
          {group.name}
        </button>
        <span class="muted small">
          {group.memberCount} member{group.memberCount === 1 ? '' : 's'}
        </span>
        {manager ? (
          <button
            type="button"
            class="secondary"
            aria-label={`Delete group ${group.name}`}
            onClick={async () => {
              try {
                await api('DELETE /api/groups/{id}', { path: { id: group.id } });
                announce(`Group ${group.name} deleted.`);
                onChanged();
              } catch (err) {
                setError(err);
              }
            }}
          >
            Delete
          </button>
        ) : null}
      </div>
      <ErrorBanner error={error} />
      {open ? (
        <div id={`${id}-body`} class="group-body">
          {members === null ? (
            <Spinner label="Loading group members" />
          ) : members.length === 0 ? (
            <p class="muted small">Nobody in this group yet.</p>
          ) : (
            <ul class="group-members">
              {members.map((m) => (
                <li key={m.userId} class="row">
                  <span>
                    {m.name} <span class="muted small">{m.email}</span>
                  </span>
                  {manager || m.userId === me?.id ? (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove ${m.name} from ${group.name}`}
                      onClick={async () => {
                        try {
                          await api('DELETE /api/groups/{id}/members/{userId}', { path: { id: group.id, userId: m.userId } });
                          setMembers((list) => list?.filter((x) => x.userId !== m.userId) ?? null);
                          setError(null);
                          announce(`${m.name} removed from ${group.name}.`);
                          onChanged();
                        } catch (err) {
                          setError(err);
                        }
                      }}
                    >
                      Remove
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {manager && members !== null ? (
            candidates.length === 0 ? (
              <p class="hint">Every member of the organisation is in this group.</p>
            ) : (
              <form
                class="inline"
                aria-label={`Add a member to ${group.name}`}
                onSubmit={async (e) => {
                  e.preventDefault();
                  if (!pick) return;
                  try {
                    const added = await api('POST /api/groups/{id}/members', { path: { id: group.id }, body: { userId: pick } });
                    setMembers((list) => [...(list ?? []), added]);
                    setPick('');
                    setError(null);
                    announce(`${added.name} added to ${group.name}.`);
                    onChanged();
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                <div>
                  <label for={`${id}-pick`}>Add to {group.name}</label>
                  <select id={`${id}-pick`} required value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
                    <option value="">Choose a member…</option>
                    {candidates.map((m) => (
                      <option key={m.userId} value={m.userId}>
                        {m.name} ({m.email})
                      </option>
                    ))}
                  </select>
                </div>
                <button type="submit">Add</button>
              </form>
            )
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
