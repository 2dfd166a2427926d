/**
 * `/orgs`: the caller's organisations and the invitations waiting for their
 * answer (accept or decline). Create one (the creator is its owner); open one
 * (`/orgs?org=<id>`) to see its members (change roles, remove, leave), its
 * invitations for owners and admins (invite by email with a role, revoke:
 * nobody joins without accepting), its groups (org-groups.tsx) and, for
 * owners and admins, its share-link lifetimes.
 * What a role may do is the edge's rule; the page offers only the controls
 * the caller's role can use and shows the edge's message otherwise.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { currentUser } from '../api/session.ts';
import { useSignal } from '../api/signal.ts';
import { MyInvitations } from '../components/my-invitations.tsx';
import { CreateGroupForm, GroupItem } from '../components/org-groups.tsx';
import { LinkLifetimes } from '../components/org-link-lifetimes.tsx';
import { OrgInvitations } from '../components/org-invitations.tsx';
import { FieldErrors } from '../components/field-errors.tsx';
import { ErrorBanner, Spinner } from '../components/status.tsx';
import { navigate } from '../router.ts';
import '../styles/sharing.css';

type Org = Schemas['Org'];
type Member = Schemas['OrgMember'];
type Group = Schemas['Group'];
type Role = Member['role'];

const ROLES: { value: Role; label: string }[] = [
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Admin' },
  { value: 'owner', label: 'Owner' },
];

const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

export function OrgsPage({ query }: { params: Record<string, string>; query: URLSearchParams }) {
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const selectedId = query.get('org');

  const reload = async () => {
    try {
      setOrgs((await api('GET /api/orgs')).items);
      setError(null);
    } catch (err) {
      setError(err);
      setOrgs((o) => o ?? []);
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  const selected = orgs?.find((o) => o.id === selectedId) ?? null;

  return (
    <section class="orgs-page">
      <h1>Organisations</h1>
      <p class="orgs-status" role="status" aria-live="polite">
        {status}
      </p>
      <ErrorBanner error={error} />
      <MyInvitations
        announce={setStatus}
        onJoined={(orgId) => {
          void reload();
          navigate(`/orgs?org=${orgId}`);
        }}
      />
      <div class="orgs-layout">
        <div class="orgs-side">
          <h2>Your organisations</h2>
          {orgs === null ? (
            <Spinner label="Loading organisations" />
          ) : orgs.length === 0 ? (
            <p class="muted">You are not in any organisation yet.</p>
          ) : (
            <ul class="org-list">
              {orgs.map((o) => (
                <li key={o.id}>
                  <a href={`/orgs?org=${o.id}`} aria-current={o.id === selectedId ? 'page' : undefined}>
                    {o.name}
                  </a>{' '}
                  <span class="badge">{o.role}</span>
                </li>
              ))}
            </ul>
          )}
          <CreateOrgForm
            onCreated={(org) => {
              setOrgs((list) => [...(list ?? []), org].sort((a, b) => a.name.localeCompare(b.name)));
              setStatus(`Organisation ${org.name} created.`);
              navigate(`/orgs?org=${org.id}`);
            }}
          />
        </div>
        <div class="orgs-main">
          {selectedId && orgs !== null && !selected ? (
            <p class="muted">That organisation is not one of yours.</p>
          ) : selected ? (
            <OrgDetail
              key={selected.id}
              org={selected}
              announce={setStatus}
              onOrgChanged={(o) => setOrgs((list) => list?.map((x) => (x.id === o.id ? o : x)) ?? null)}
              onLeft={() => {
                setStatus(`You left ${selected.name}.`);
                void reload();
                navigate('/orgs');
              }}
            />
          ) : orgs && orgs.length > 0 ? (
            <p class="muted">Choose an organisation to see its members and groups.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}

function CreateOrgForm({ onCreated }: { onCreated: (org: Org) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="card org-create"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          onCreated(await api('POST /api/orgs', { body: { name: name.trim(), slug } }));
          setName('');
          setSlug('');
          setSlugTouched(false);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Create an organisation</h2>
      <label for={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        required
        maxLength={100}
        value={name}
        onInput={(e) => {
          setName(e.currentTarget.value);
          if (!slugTouched) setSlug(slugOf(e.currentTarget.value));
        }}
      />
      <label for={`${id}-slug`}>Short name</label>
      <input
        id={`${id}-slug`}
        required
        minLength={2}
        maxLength={63}
        pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?"
        aria-describedby={`${id}-slug-hint`}
        value={slug}
        onInput={(e) => {
          setSlugTouched(true);
          setSlug(e.currentTarget.value);
        }}
      />
      <p class="hint" id={`${id}-slug-hint`}>
        Lower-case letters, digits and hyphens; unique.
      </p>
      <FieldErrors error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create organisation'}
      </button>
    </form>
  );
}

function OrgDetail({
  org,
  announce,
  onOrgChanged,
  onLeft,
}: {
  org: Org;
  announce: (text: string) => void;
  onOrgChanged: (org: Org) => void;
  onLeft: () => void;
}) {
  const me = useSignal(currentUser);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const manager = org.role === 'owner' || org.role === 'admin';

  const loadMembers = async () => {
    try {
      setMembers((await api('GET /api/orgs/{id}/members', { path: { id: org.id } })).items);
    } catch (err) {
      setError(err);
      setMembers((m) => m ?? []);
    }
  };
  const loadGroups = async () => {
    try {
      setGroups((await api('GET /api/orgs/{id}/groups', { path: { id: org.id } })).items);
    } catch (err) {
      setError(err);
      setGroups((g) => g ?? []);
    }
  };
  useEffect(() => {
    void loadMembers();
    void loadGroups();
  }, [org.id]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      setError(null);
      announce(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };

  return (
    <article class="org-detail" aria-labelledby="org-title">
      <h2 id="org-title">
        {org.name} <span class="muted small">({org.slug})</span>
      </h2>
      <p class="muted small">Your role: {org.role}</p>
      <FieldErrors error={error} />

      <section aria-labelledby="members-h">
        <h3 id="members-h">Members</h3>
        {members === null ? (
          <Spinner label="Loading members" />
        ) : (
          <table class="member-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => {
                const self = m.userId === me?.id;
                // Only an owner changes an owner, or makes one.
                const canChange = manager && (org.role === 'owner' || m.role !== 'owner');
                return (
                  <tr key={m.userId}>
                    <td>
                      {m.name}
                      {self ? <span class="muted small"> (you)</span> : null}
                    </td>
                    <td>{m.email}</td>
                    <td>
                      {canChange ? (
                        <>
                          <label class="visually-hidden" for={`role-${m.userId}`}>
                            Role of {m.name}
                          </label>
                          <select
                            id={`role-${m.userId}`}
                            value={m.role}
                            onChange={async (e) => {
                              const role = e.currentTarget.value as Role;
                              const ok = await act(
                                () =>
                                  api('PATCH /api/orgs/{id}/members/{userId}', { path: { id: org.id, userId: m.userId }, body: { role } }),
                                `${m.name} is now ${role}.`,
                              );
                              await loadMembers();
                              if (ok && self) onOrgChanged({ ...org, role });
                            }}
                          >
                            {ROLES.filter((r) => org.role === 'owner' || r.value !== 'owner').map((r) => (
                              <option key={r.value} value={r.value}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        </>
                      ) : (
                        m.role
                      )}
                    </td>
                    <td>
                      {self ? (
                        <button
                          type="button"
                          class="secondary"
                          onClick={async () => {
                            if (
                              await act(
                                () => api('DELETE /api/orgs/{id}/members/{userId}', { path: { id: org.id, userId: m.userId } }),
                                `You left ${org.name}.`,
                              )
                            )
                              onLeft();
                          }}
                        >
                          Leave
                        </button>
                      ) : canChange ? (
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Remove ${m.name}`}
                          onClick={async () => {
                            await act(
                              () => api('DELETE /api/orgs/{id}/members/{userId}', { path: { id: org.id, userId: m.userId } }),
                              `${m.name} removed.`,
                            );
                            await Promise.all([loadMembers(), loadGroups()]);
                          }}
                        >
                          Remove
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      {manager ? <OrgInvitations org={org} announce={announce} /> : null}

      <section aria-labelledby="groups-h">
        <h3 id="groups-h">Groups</h3>
        {groups === null ? (
          <Spinner label="Loading groups" />
        ) : groups.length === 0 ? (
          <p class="muted small">No groups yet.</p>
        ) : (
          <ul class="group-list">
            {groups.map((g) => (
              <GroupItem
                key={g.id}
                group={g}
                manager={manager}
                orgMembers={members ?? []}
                announce={announce}
                onChanged={() => void loadGroups()}
              />
            ))}
          </ul>
        )}
        {manager ? (
          <CreateGroupForm
            org={org}
            onCreated={(g) => {
              setGroups((list) => [...(list ?? []), g].sort((a, b) => a.name.localeCompare(b.name)));
              announce(`Group ${g.name} created.`);
            }}
          />
        ) : null}
      </section>

      {manager ? (
        <LinkLifetimes
          org={org}
          onSaved={(o) => {
            onOrgChanged(o);
            announce('Link lifetimes saved.');
          }}
        />
      ) : null}
    </article>
  );
}
