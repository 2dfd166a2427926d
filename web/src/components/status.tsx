/** Small shared pieces: loading, error and empty states. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.ts';
import { AuthError } from '../api/session.ts';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <p class="spinner" role="status" aria-live="polite">
      <span class="spinner-dot" aria-hidden="true" />
      {label}…
    </p>
  );
}

/** A readable message for any error (with the request id of an edge error, for support). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError || err instanceof AuthError) return err.message;
  if (err instanceof Error && err.name === 'AbortError') return 'Cancelled.';
  if (err instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  return 'Something went wrong.';
}

export function ErrorBanner({ error, children }: { error: unknown; children?: ComponentChildren }) {
  if (!error) return null;
  const rid = error instanceof ApiError && error.requestId ? error.requestId : null;
  return (
    <div class="error-banner" role="alert">
      <p>{messageOf(error)}</p>
      {rid ? (
        <p class="muted small">
          Request id: <code>{rid}</code>
        </p>
      ) : null}
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
