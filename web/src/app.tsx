/**
 * The application shell: the route table, the signed-in guard and the
 * page frame (header with navigation, theme switch, main landmark, skip
 * link), and what every page shares: the viewer (`?view=<id>` on any page,
 * the bare share page included) and, signed in, upload anywhere with its tray.
 */
import type { ComponentChildren, FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { currentUser, session } from './api/session.ts';
import { useSignal } from './api/signal.ts';
import { match, navigate, useLocation } from './router.ts';
import { LoginPage, RegisterPage } from './pages/auth.tsx';
import { LibraryPage } from './pages/library.tsx';
import { SearchPage } from './pages/search.tsx';
import { TrashPage } from './pages/trash.tsx';
import { UploadPage } from './pages/upload.tsx';
import { AssetPage } from './pages/asset.tsx';
import { CollectionsPage } from './pages/collections.tsx';
import { CollectionPage } from './pages/collection.tsx';
import { SharePage } from './pages/share.tsx';
import { OrgsPage } from './pages/orgs.tsx';
import { AccountPage } from './pages/account.tsx';
import { Spinner } from './components/status.tsx';
import { InvitationBadge } from './components/my-invitations.tsx';
import { ThemeSwitch } from './components/theme-switch.tsx';
import { UploadAnywhere } from './components/upload-anywhere.tsx';
import { ViewerHost } from './viewer/viewer.tsx';

type Page = FunctionComponent<{ params: Record<string, string>; query: URLSearchParams }>;

interface Route {
  pattern: string;
  page: Page;
  /** Public pages render without a session (sign-in, shared links). */
  public?: boolean;
  /** The page draws its own chrome (the public share page). */
  bare?: boolean;
  title: string;
}

const routes: Route[] = [
  { pattern: '/login', page: LoginPage, public: true, title: 'Sign in' },
  { pattern: '/register', page: RegisterPage, public: true, title: 'Create account' },
  { pattern: '/share/:token', page: SharePage, public: true, bare: true, title: 'Shared with you' },
  { pattern: '/', page: LibraryPage, title: 'Library' },
  { pattern: '/search', page: SearchPage, title: 'Search' },
  { pattern: '/trash', page: TrashPage, title: 'Trash' },
  { pattern: '/upload', page: UploadPage, title: 'Upload' },
  { pattern: '/assets/:id', page: AssetPage, title: 'Asset' },
  { pattern: '/collections', page: CollectionsPage, title: 'Collections' },
  { pattern: '/collections/:id', page: CollectionPage, title: 'Collection' },
  { pattern: '/orgs', page: OrgsPage, title: 'Organisations' },
  { pattern: '/account', page: AccountPage, title: 'Account' },
];

export function App() {
  const loc = useLocation();
  const user = useSignal(currentUser);

  let found: { route: Route; params: Record<string, string> } | null = null;
  for (const route of routes) {
    const params = match(route.pattern, loc.path);
    if (params) {
      found = { route, params };
      break;
    }
  }
  useEffect(() => {
    document.title = `${found?.route.title ?? 'Not found'} · Media`;
  }, [found?.route.title]);
  // Public pages (sign-in, share links) need no session: resume one only when a page needs it.
  const needsUser = !found?.route.public;
  useEffect(() => {
    if (needsUser && currentUser.get() === undefined) void session.resume();
  }, [needsUser]);

  if (!found)
    return (
      <Frame>
        <NotFound />
      </Frame>
    );
  const { route, params } = found;
  const PageC = route.page;
  if (route.bare)
    return (
      <>
        <PageC params={params} query={loc.query} />
        <ViewerHost />
      </>
    );
  if (!route.public) {
    if (user === undefined)
      return (
        <Frame>
          <Spinner label="Loading your session" />
        </Frame>
      );
    if (user === null) {
      const next = loc.path + (loc.query.toString() ? `?${loc.query}` : '');
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
      return null;
    }
  }
  return (
    <Frame>
      <PageC params={params} query={loc.query} />
    </Frame>
  );
}

function Frame({ children }: { children: ComponentChildren }) {
  const user = useSignal(currentUser);
  const loc = useLocation();
  const here = (p: string) => (loc.path === p ? 'page' : undefined);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          Media
        </a>
        {user ? (
          <>
            <nav aria-label="Main">
              <a href="/" aria-current={here('/')}>
                Library
              </a>
              <a href="/collections" aria-current={here('/collections')}>
                Collections
              </a>
              <a href="/upload" aria-current={here('/upload')}>
                Upload
              </a>
              <a href="/trash" aria-current={here('/trash')}>
                Trash
              </a>
              <a href="/orgs" aria-current={here('/orgs')}>
                Organisations
                <InvitationBadge />
              </a>
              <a href="/account" aria-current={here('/account')}>
                Account
              </a>
            </nav>
            <form
              class="search-form"
              role="search"
              action="/search"
              onSubmit={(e) => {
                e.preventDefault();
                const q = new FormData(e.currentTarget).get('q')?.toString().trim();
                if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
              }}
            >
              <label class="visually-hidden" for="global-search">
                Search the library
              </label>
              {/* Keyed by the location: leaving /search (or a new query) resets what the box shows. */}
              <input
                key={loc.path === '/search' ? `q:${loc.query.get('q') ?? ''}` : 'q'}
                id="global-search"
                name="q"
                type="search"
                placeholder="Search"
                defaultValue={loc.path === '/search' ? (loc.query.get('q') ?? '') : ''}
              />
            </form>
            <ThemeSwitch />
            <span class="who" title={user.email}>
              {user.name}
            </span>
            <button
              type="button"
              class="link"
              onClick={async () => {
                await session.logout();
                navigate('/login', { replace: true });
              }}
            >
              Sign out
            </button>
          </>
        ) : user === null ? (
          <>
            <nav aria-label="Account">
              <a href="/login">Sign in</a>
              <a href="/register">Create account</a>
            </nav>
            <ThemeSwitch />
          </>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <ViewerHost />
      {user ? <UploadAnywhere /> : null}
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to the library</a>.
      </p>
    </section>
  );
}
