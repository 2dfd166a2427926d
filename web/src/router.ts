/**
 * A small History-API router: routes are path patterns with `:params`;
 * links are plain <a href> elements (so they open in new tabs and work
 * without script), intercepted for same-origin navigation.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
const current = (): Location => ({ path: window.location.pathname, query: new URLSearchParams(window.location.search) });

/**
 * `state` is stored with the entry (the viewer counts its entries there);
 * `keepScroll` leaves the page where it is (an overlay opening over it).
 */
export function navigate(to: string, opts: { replace?: boolean; state?: unknown; keepScroll?: boolean } = {}): void {
  if (opts.replace) history.replaceState(opts.state ?? null, '', to);
  else history.pushState(opts.state ?? null, '', to);
  for (const fn of [...listeners]) fn();
  if (!opts.replace && !opts.keepScroll) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => {
  for (const fn of [...listeners]) fn();
});

// Same-origin links navigate in place; modified clicks, downloads and targets keep the browser's behaviour.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
  if (/^\/(api|m|s|s3)\//.test(a.pathname)) return; // server routes: media, API docs
  e.preventDefault();
  navigate(a.pathname + a.search + a.hash);
});

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const fn = () => setLoc(current());
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return loc;
}

/** Matches `/assets/:id` against a path; params are decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length && !(path === '/' && pattern === '/')) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(s[i] ?? '');
      } catch {
        return null;
      }
      if (!params[part.slice(1)]) return null;
    } else if (part !== (s[i] ?? '')) return null;
  }
  return params;
}

/** Replaces query parameters of the current URL (undefined or '' removes one). */
export function setQuery(
  changes: Record<string, string | undefined>,
  opts: { replace?: boolean; state?: unknown; keepScroll?: boolean } = { replace: true },
): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(window.location.pathname + (s ? `?${s}` : ''), opts);
}
