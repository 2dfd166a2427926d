/**
 * The share dialog of an asset or a collection (manage holders): grants to
 * people, groups and orgs, and share links with their counters.
 *
 * A modal <dialog>: the browser traps focus and closes it on Escape; focus
 * goes back to whatever opened it. Every change is announced in the dialog's
 * status line; API errors (with the edge's field messages) show through
 * ErrorBanner next to the section they belong to.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Schemas } from '../api/client.ts';
import { formatDate } from '../format.ts';
import { useAction } from './use-action.ts';
import { ErrorBanner, Spinner } from './status.tsx';
import '../styles/sharing.css';
import { emptyUploadDraft, uploadBody, uploadSummary, UploadLinkFields } from './upload-link-fields.tsx';

type Grant = Schemas['Grant'];
type Link = Schemas['ShareLink'];
type Org = Schemas['Org'];
type Group = Schemas['Group'];
type Permission = Grant['permission'];

export interface ShareResource {
  type: 'asset' | 'collection';
  id: string;
  name: string;
}

const PERMISSIONS: { value: Permission; label: string }[] = [
  { value: 'view', label: 'Can view' },
  { value: 'download', label: 'Can download' },
  { value: 'edit', label: 'Can edit' },
  { value: 'manage', label: 'Can manage' },
];

/** Labels of the API's field names, for its validation messages. */
const FIELD_LABELS: Record<string, string> = {
  principalEmail: 'Email',
  principalId: 'Who',
  permission: 'Permission',
  expiresAt: 'Expiry',
  expiresInSeconds: 'Expires in',
  password: 'Password',
  maxDownloads: 'Download limit',
  allowDownload: 'Allow download',
};

/** The field messages of a 400 `validation_failed`. */
function fieldMessages(err: unknown): { field: string; message: string }[] {
  if (!(err instanceof ApiError) || err.code !== 'validation_failed') return [];
  const fields = (err.details as { fields?: unknown } | undefined)?.fields;
  return Array.isArray(fields) ? (fields as { field: string; message: string }[]) : [];
}

function ApiErrorBanner({ error }: { error: unknown }) {
  const fields = fieldMessages(error);
  return (
    <ErrorBanner error={error}>
      {fields.length > 0 ? (
        <ul class="field-messages">
          {fields.map((f) => (
            <li key={f.field + f.message}>
              {FIELD_LABELS[f.field] ?? f.field}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </ErrorBanner>
  );
}

/** `2030-01-01T10:00` (the local time a datetime-local input shows) from an ISO instant. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The ISO instant of a datetime-local value, or null for an empty one. */
function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The share page of a link: `/share/<token>`, from the API's `/s/<token>/` media URL. */
export function sharePageUrl(link: Pick<Link, 'url'>): string | null {
  const m = link.url ? /^\/s\/([^/]+)\/$/.exec(link.url) : null;
  return m ? `${location.origin}/share/${m[1]}` : null;
}

const UNITS = { minutes: 60, hours: 3600, days: 86400 } as const;
type Unit = keyof typeof UNITS;

export function ShareDialog({ resource, open, onClose }: { resource: ShareResource; open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const [announcement, setAnnouncement] = useState('');
  // A new session of the dialog starts from fresh data.
  const [session, setSession] = useState(0);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setAnnouncement('');
      setSession((n) => n + 1);
      d.showModal();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  const announce = (text: string) => {
    // Cleared first so the same words are announced again.
    setAnnouncement('');
    requestAnimationFrame(() => setAnnouncement(text));
  };

  return (
    <dialog
      ref={ref}
      class="share-dialog"
      aria-labelledby={titleId}
      onClose={() => {
        opener.current?.focus();
        opener.current = null;
        onClose();
      }}
    >
      <div class="share-dialog-head">
        <h2 id={titleId}>Share “{resource.name}”</h2>
        <button type="button" class="secondary" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
      <p class="share-status" role="status" aria-live="polite">
        {announcement}
      </p>
      {open ? <ShareBody key={session} resource={resource} announce={announce} /> : null}
    </dialog>
  );
}

function ShareBody({ resource, announce }: { resource: ShareResource; announce: (text: string) => void }) {
  return (
    <>
      {resource.type === 'collection' ? <CollectionNote /> : null}
      <PeopleSection resource={resource} announce={announce} />
      <LinksSection resource={resource} announce={announce} />
    </>
  );
}

/** What sharing a collection passes on, and what it does not (the access rule, docs/architecture.md). */
function CollectionNote() {
  return (
    <p class="hint share-collection-note">
      Sharing a collection shares the items that you, or someone else who may share them, put into it. Items someone added without the right
      to share them (for example another person’s photo they can only view) stay visible only to people who could already see them. People
      you give “Manage” can share this collection further, but never more than its items allow.
    </p>
  );
}

/**
 * The grants or links of the resource: loaded when it changes, reloadable; a
 * failed load shows its error over what was there (or an empty list).
 */
function useResourceList<T>(resource: ShareResource, load: () => Promise<{ items: T[] }>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = async () => {
    try {
      setItems((await load()).items);
      setError(null);
    } catch (err) {
      setError(err);
      setItems((list) => list ?? []);
    }
  };
  useEffect(() => {
    void reload();
  }, [resource.type, resource.id]);
  return [items, setItems, error, setError, reload] as const;
}

/* ------------------------------------------------------------------ people */

function PeopleSection({ resource, announce }: { resource: ShareResource; announce: (text: string) => void }) {
  const headingId = useId();
  const [grants, setGrants, error, setError, _reload] = useResourceList<Grant>(resource, () =>
    api('GET /api/grants', { query: { resourceType: resource.type, resourceId: resource.id } }),
  );

  const change = async (g: Grant, body: Schemas['UpdateGrant'], what: string) => {
    try {
      const updated = await api('PATCH /api/grants/{id}', { path: { id: g.id }, body });
      setGrants((list) => list?.map((x) => (x.id === g.id ? updated : x)) ?? null);
      setError(null);
      announce(what);
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (g: Grant) => {
    try {
      await api('DELETE /api/grants/{id}', { path: { id: g.id } });
      setGrants((list) => list?.filter((x) => x.id !== g.id) ?? null);
      setError(null);
      announce(`${g.principalName ?? 'Access'} removed.`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="share-section" aria-labelledby={headingId}>
      <h3 id={headingId}>People and groups</h3>
      <ApiErrorBanner error={error} />
      {grants === null ? (
        <Spinner label="Loading who has access" />
      ) : grants.length === 0 ? (
        <p class="muted small">Only you (and anyone with a link below) can see this.</p>
      ) : (
        <ul class="grant-list">
          {grants.map((g) => (
            <GrantRow key={g.id} grant={g} onChange={change} onRemove={remove} />
          ))}
        </ul>
      )}
      <AddGrantForm
        resource={resource}
        onAdded={(g) => {
          // Granting again updates the principal's existing grant (same id) in place.
          setGrants((list) => (list?.some((x) => x.id === g.id) ? list.map((x) => (x.id === g.id ? g : x)) : [...(list ?? []), g]));
          announce(`Shared with ${g.principalName ?? 'them'} (${g.permission}).`);
        }}
      />
    </section>
  );
}

const PRINCIPAL_LABEL = { user: 'Person', group: 'Group', org: 'Organisation' } as const;

function GrantRow({
  grant: g,
  onChange,
  onRemove,
}: {
  grant: Grant;
  onChange: (g: Grant, body: Schemas['UpdateGrant'], what: string) => Promise<void>;
  onRemove: (g: Grant) => Promise<void>;
}) {
  const id = useId();
  // A person the caller shares no organisation with is not named to them.
  const name = g.principalHidden
    ? 'Someone outside your organisations'
    : (g.principalName ?? `Deleted ${PRINCIPAL_LABEL[g.principalType].toLowerCase()}`);
  return (
    <li class="grant-row">
      <div class="grant-who">
        <strong>{name}</strong> <span class="badge">{PRINCIPAL_LABEL[g.principalType]}</span>
        {!g.active ? <span class="badge badge-off">Expired</span> : null}
      </div>
      <div class="grant-controls">
        <label class="visually-hidden" for={`${id}-perm`}>
          Permission for {name}
        </label>
        <select
          id={`${id}-perm`}
          value={g.permission}
          onChange={(e) => {
            const permission = e.currentTarget.value as Permission;
            void onChange(g, { permission }, `${name} ${PERMISSIONS.find((p) => p.value === permission)?.label.toLowerCase()}.`);
          }}
        >
          {PERMISSIONS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
        <label class="visually-hidden" for={`${id}-exp`}>
          Access for {name} ends (empty: never)
        </label>
        <input
          id={`${id}-exp`}
          type="datetime-local"
          value={toLocalInput(g.expiresAt)}
          title="Access ends (empty: never)"
          onChange={(e) => {
            const expiresAt = fromLocalInput(e.currentTarget.value);
            void onChange(
              g,
              { expiresAt },
              expiresAt ? `Access for ${name} ends ${formatDate(expiresAt)}.` : `Access for ${name} no longer expires.`,
            );
          }}
        />
        <button type="button" class="secondary" onClick={() => void onRemove(g)} aria-label={`Remove access for ${name}`}>
          Remove
        </button>
      </div>
    </li>
  );
}

type PrincipalKind = 'user' | 'group' | 'org';

function AddGrantForm({ resource, onAdded }: { resource: ShareResource; onAdded: (g: Grant) => void }) {
  const id = useId();
  const [kind, setKind] = useState<PrincipalKind>('user');
  const [email, setEmail] = useState('');
  const [principalId, setPrincipalId] = useState('');
  const [permission, setPermission] = useState<Permission>('view');
  const [expires, setExpires] = useState('');
  const { busy, error, setError, run } = useAction();
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const { items } = await api('GET /api/orgs');
        const lists = await Promise.all(items.map((o) => api('GET /api/orgs/{id}/groups', { path: { id: o.id } }).then((r) => r.items)));
        if (!live) return;
        setOrgs(items);
        setGroups(lists.flat());
      } catch (err) {
        if (live) {
          setOrgs([]);
          setError(err);
        }
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const who = kind === 'user' ? { principalEmail: email.trim() } : { principalId };
      const expiresAt = fromLocalInput(expires);
      const body: Schemas['CreateGrant'] = {
        resourceType: resource.type,
        resourceId: resource.id,
        principalType: kind,
        ...who,
        permission,
        ...(expiresAt ? { expiresAt } : {}),
      };
      onAdded(await api('POST /api/grants', { body }));
      setEmail('');
      setExpires('');
    });
  };

  const noOrgs = orgs !== null && orgs.length === 0;
  const choices = kind === 'group' ? groups : kind === 'org' ? (orgs ?? []) : [];
  const orgName = (orgId: string) => orgs?.find((o) => o.id === orgId)?.name ?? '';

  return (
    <form class="share-form" onSubmit={submit} aria-label="Share with people and groups">
      <h4>Add people or groups</h4>
      <div class="share-form-grid">
        <div>
          <label for={`${id}-kind`}>Share with</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(e) => {
              setKind(e.currentTarget.value as PrincipalKind);
              setPrincipalId('');
            }}
          >
            <option value="user">A person (by email)</option>
            <option value="group" disabled={groups.length === 0}>
              A group
            </option>
            <option value="org" disabled={noOrgs}>
              An organisation
            </option>
          </select>
        </div>
        {kind === 'user' ? (
          <div>
            <label for={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              required
              autoComplete="off"
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <p class="hint">Of someone in one of your organisations; for anyone else, create a link.</p>
          </div>
        ) : (
          <div>
            <label for={`${id}-who`}>{kind === 'group' ? 'Group' : 'Organisation'}</label>
            <select id={`${id}-who`} required value={principalId} onChange={(e) => setPrincipalId(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {choices.map((c) => (
                <option key={c.id} value={c.id}>
                  {'orgId' in c ? `${c.name} (${orgName(c.orgId)})` : c.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label for={`${id}-perm`}>Permission</label>
          <select id={`${id}-perm`} value={permission} onChange={(e) => setPermission(e.currentTarget.value as Permission)}>
            {PERMISSIONS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={`${id}-exp`}>Access ends (optional)</label>
          <input id={`${id}-exp`} type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </div>
      </div>
      {noOrgs ? (
        <p class="hint">
          To share with a group or an organisation, <a href="/orgs">create or join one</a>.
        </p>
      ) : null}
      <ApiErrorBanner error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Sharing…' : 'Share'}
      </button>
    </form>
  );
}

/* ------------------------------------------------------------------- links */

function LinksSection({ resource, announce }: { resource: ShareResource; announce: (text: string) => void }) {
  const headingId = useId();
  const [links, setLinks, error, _setError, reload] = useResourceList<Link>(resource, () =>
    api('GET /api/share-links', { query: { resourceType: resource.type, resourceId: resource.id } }),
  );

  const replace = (link: Link) => setLinks((list) => list?.map((x) => (x.id === link.id ? link : x)) ?? [link]);

  return (
    <section class="share-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Links</h3>
      <ApiErrorBanner error={error} />
      {links === null ? (
        <Spinner label="Loading links" />
      ) : links.length === 0 ? (
        <p class="muted small">No links yet. Anyone with a link can open it without an account.</p>
      ) : (
        <ul class="link-list">
          {links.map((l, i) => (
            <LinkCard
              key={l.id}
              link={l}
              index={links.length - i}
              announce={announce}
              onChanged={replace}
              onRevoked={() => {
                void reload();
                announce('Link revoked.');
              }}
            />
          ))}
        </ul>
      )}
      <CreateLinkForm
        resource={resource}
        onCreated={(link) => {
          setLinks((list) => [link, ...(list ?? [])]);
          announce('Link created.');
        }}
      />
    </section>
  );
}

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

function LinkCard({
  link,
  index,
  announce,
  onChanged,
  onRevoked,
}: {
  link: Link;
  index: number;
  announce: (text: string) => void;
  onChanged: (link: Link) => void;
  onRevoked: () => void;
}) {
  const id = useId();
  const urlRef = useRef<HTMLInputElement>(null);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pageUrl = link.status === 'active' ? sharePageUrl(link) : null;
  const name = `Link ${index}`;

  const copy = async () => {
    if (!pageUrl) return;
    try {
      await navigator.clipboard.writeText(pageUrl);
      announce('Copied');
    } catch {
      // No clipboard (permission, insecure context): select the text for a manual copy.
      urlRef.current?.focus();
      urlRef.current?.select();
      announce('Press Ctrl+C (⌘C) to copy the selected link.');
    }
  };

  const revoke = async () => {
    try {
      await api('DELETE /api/share-links/{id}', { path: { id: link.id } });
      setConfirming(false);
      onRevoked();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <li class={`link-card link-${link.status}`} aria-labelledby={`${id}-name`}>
      <div class="link-head">
        <strong id={`${id}-name`}>{name}</strong>
        <span class={`badge ${link.status === 'active' ? 'badge-on' : 'badge-off'}`}>{STATUS_LABEL[link.status]}</span>
      </div>
      <dl class="link-facts">
        <div>
          <dt>Permission</dt>
          <dd>{link.permission === 'download' ? 'View and download' : 'View only'}</dd>
        </div>
        <div>
          <dt>{link.status === 'revoked' ? 'Revoked' : link.status === 'expired' ? 'Expired' : 'Expires'}</dt>
          <dd>{formatDate(link.status === 'revoked' ? link.revokedAt : link.expiresAt)}</dd>
        </div>
        <div>
          <dt>Password</dt>
          <dd>{link.hasPassword ? 'Yes' : 'No'}</dd>
        </div>
        <div>
          <dt>Downloads</dt>
          <dd>
            {link.downloadCount}
            {link.maxDownloads !== null ? ` of ${link.maxDownloads}` : ''}
          </dd>
        </div>
        <div>
          <dt>Views</dt>
          <dd>{link.viewCount}</dd>
        </div>
        <div>
          <dt>Allow download</dt>
          <dd>{link.allowDownload ? 'Yes' : 'No'}</dd>
        </div>
        {link.upload ? (
          <div>
            <dt>Uploads</dt>
            <dd>{uploadSummary(link)}</dd>
          </div>
        ) : null}
      </dl>
      {pageUrl ? (
        <div class="link-url">
          <label class="visually-hidden" for={`${id}-url`}>
            Address of {name.toLowerCase()}
          </label>
          <input id={`${id}-url`} ref={urlRef} type="text" readOnly value={pageUrl} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copy()} aria-label={`Copy ${name.toLowerCase()}`}>
            Copy
          </button>
        </div>
      ) : null}
      <ApiErrorBanner error={error} />
      {link.status !== 'revoked' ? (
        <div class="row">
          <button type="button" class="secondary" aria-expanded={editing} aria-controls={`${id}-edit`} onClick={() => setEditing(!editing)}>
            {editing ? 'Cancel edit' : 'Edit'}
          </button>
          {confirming ? (
            <>
              <button type="button" class="danger" onClick={() => void revoke()}>
                Confirm revoke
              </button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                Keep link
              </button>
            </>
          ) : (
            <button
              type="button"
              class="secondary danger-text"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke ${name.toLowerCase()}`}
            >
              Revoke
            </button>
          )}
        </div>
      ) : null}
      {editing ? (
        <EditLinkForm
          id={`${id}-edit`}
          link={link}
          onSaved={(updated) => {
            onChanged(updated);
            setEditing(false);
            announce(`${name} updated.`);
          }}
        />
      ) : null}
    </li>
  );
}

/** Number + unit of a life in seconds (empty: the default). */
function ExpiryFields({
  id,
  label,
  amount,
  unit,
  onAmount,
  onUnit,
}: {
  id: string;
  label: string;
  amount: string;
  unit: Unit;
  onAmount: (v: string) => void;
  onUnit: (u: Unit) => void;
}) {
  return (
    <fieldset class="expiry-fields">
      <legend>{label}</legend>
      <div class="inline">
        <label class="visually-hidden" for={`${id}-amount`}>
          {label}: amount
        </label>
        <input
          id={`${id}-amount`}
          type="number"
          min="1"
          step="1"
          inputMode="numeric"
          value={amount}
          onInput={(e) => onAmount(e.currentTarget.value)}
        />
        <label class="visually-hidden" for={`${id}-unit`}>
          {label}: unit
        </label>
        <select id={`${id}-unit`} value={unit} onChange={(e) => onUnit(e.currentTarget.value as Unit)}>
          <option value="minutes">minutes</option>
          <option value="hours">hours</option>
          <option value="days">days</option>
        </select>
      </div>
    </fieldset>
  );
}

const seconds = (amount: string, unit: Unit): number | undefined => {
  const n = Number(amount);
  return amount.trim() === '' || !Number.isFinite(n) ? undefined : Math.round(n * UNITS[unit]);
};

function CreateLinkForm({ resource, onCreated }: { resource: ShareResource; onCreated: (link: Link) => void }) {
  const id = useId();
  const [permission, setPermission] = useState<'view' | 'download'>('view');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<Unit>('days');
  const [password, setPassword] = useState('');
  const [cap, setCap] = useState('');
  const [allowDownload, setAllowDownload] = useState(true);
  const [upload, setUpload] = useState(emptyUploadDraft);
  const { busy, error, run } = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const expiresInSeconds = seconds(amount, unit);
      const uploadSettings = resource.type === 'collection' ? uploadBody(upload) : undefined;
      const link = await api('POST /api/share-links', {
        body: {
          resourceType: resource.type,
          resourceId: resource.id,
          permission,
          allowDownload,
          ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
          ...(password ? { password } : {}),
          ...(cap.trim() ? { maxDownloads: Number(cap) } : {}),
          ...(uploadSettings ? { upload: uploadSettings } : {}),
        },
      });
      onCreated(link);
      setUpload(emptyUploadDraft);
      setPassword('');
      setCap('');
      setAmount('');
    });
  };

  return (
    <form class="share-form" onSubmit={submit} aria-label="Create a link">
      <h4>Create a link</h4>
      <div class="share-form-grid">
        <div>
          <label for={`${id}-perm`}>Link permission</label>
          <select id={`${id}-perm`} value={permission} onChange={(e) => setPermission(e.currentTarget.value as 'view' | 'download')}>
            <option value="view">View only</option>
            <option value="download">View and download</option>
          </select>
        </div>
        <ExpiryFields id={`${id}-exp`} label="Expires in" amount={amount} unit={unit} onAmount={setAmount} onUnit={setUnit} />
        <div>
          <label for={`${id}-pw`}>Password (optional)</label>
          <input
            id={`${id}-pw`}
            type="password"
            autoComplete="new-password"
            minLength={8}
            maxLength={256}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-describedby={`${id}-pw-hint`}
          />
          <p class="hint" id={`${id}-pw-hint`}>
            At least 8 characters.
          </p>
        </div>
        <div>
          <label for={`${id}-cap`}>Download limit (optional)</label>
          <input
            id={`${id}-cap`}
            type="number"
            min="1"
            step="1"
            inputMode="numeric"
            value={cap}
            onInput={(e) => setCap(e.currentTarget.value)}
          />
        </div>
      </div>
      <p class="hint">Leave “Expires in” empty for the default (7 days for personal items, or your organisation’s default).</p>
      <div class="check">
        <input id={`${id}-dl`} type="checkbox" checked={allowDownload} onChange={(e) => setAllowDownload(e.currentTarget.checked)} />
        <label for={`${id}-dl`}>Allow download</label>
      </div>
      {permission === 'view' ? <p class="hint">Downloads also need the “View and download” permission.</p> : null}
      {resource.type === 'collection' ? <UploadLinkFields draft={upload} onChange={setUpload} /> : null}
      <ApiErrorBanner error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create link'}
      </button>
    </form>
  );
}

function EditLinkForm({ id, link, onSaved }: { id: string; link: Link; onSaved: (link: Link) => void }) {
  const [permission, setPermission] = useState<'view' | 'download'>(link.permission === 'download' ? 'download' : 'view');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<Unit>('days');
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [cap, setCap] = useState(link.maxDownloads === null ? '' : String(link.maxDownloads));
  const [allowDownload, setAllowDownload] = useState(link.allowDownload);
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Schemas['UpdateShareLink'] = {};
    if (permission !== link.permission) body.permission = permission;
    if (allowDownload !== link.allowDownload) body.allowDownload = allowDownload;
    const expiresInSeconds = seconds(amount, unit);
    if (expiresInSeconds !== undefined) body.expiresInSeconds = expiresInSeconds;
    if (removePassword) body.password = null;
    else if (password) body.password = password;
    const newCap = cap.trim() === '' ? null : Number(cap);
    if (newCap !== link.maxDownloads) body.maxDownloads = newCap;
    if (Object.keys(body).length === 0) {
      setNote('Nothing to change.');
      return;
    }
    setNote('');
    await run(async () => {
      onSaved(await api('PATCH /api/share-links/{id}', { path: { id: link.id }, body }));
    });
  };

  return (
    <form id={id} class="share-form link-edit" onSubmit={submit} aria-label="Edit link">
      <div class="share-form-grid">
        <div>
          <label for={`${id}-perm`}>Link permission</label>
          <select id={`${id}-perm`} value={permission} onChange={(e) => setPermission(e.currentTarget.value as 'view' | 'download')}>
            <option value="view">View only</option>
            <option value="download">View and download</option>
          </select>
        </div>
        <ExpiryFields id={`${id}-exp`} label="New expiry, from now" amount={amount} unit={unit} onAmount={setAmount} onUnit={setUnit} />
        <div>
          <label for={`${id}-pw`}>{link.hasPassword ? 'New password' : 'Add a password'}</label>
          <input
            id={`${id}-pw`}
            type="password"
            autoComplete="new-password"
            minLength={8}
            maxLength={256}
            disabled={removePassword}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          {link.hasPassword ? (
            <div class="check">
              <input
                id={`${id}-nopw`}
                type="checkbox"
                checked={removePassword}
                onChange={(e) => setRemovePassword(e.currentTarget.checked)}
              />
              <label for={`${id}-nopw`}>Remove the password</label>
            </div>
          ) : null}
        </div>
        <div>
          <label for={`${id}-cap`}>Download limit (empty: none)</label>
          <input
            id={`${id}-cap`}
            type="number"
            min="1"
            step="1"
            inputMode="numeric"
            value={cap}
            onInput={(e) => setCap(e.currentTarget.value)}
          />
        </div>
      </div>
      <div class="check">
        <input id={`${id}-dl`} type="checkbox" checked={allowDownload} onChange={(e) => setAllowDownload(e.currentTarget.checked)} />
        <label for={`${id}-dl`}>Allow download</label>
      </div>
      {note ? (
        <p class="hint" role="status">
          {note}
        </p>
      ) : null}
      <ApiErrorBanner error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save link'}
      </button>
    </form>
  );
}
