import type { ComponentChildren } from 'preact';

/**
 * A secret the server shows once (an API key, a webhook's signing secret):
 * what it is, the value to copy, and Done to put it away.
 */
export function SecretOnce(props: { children: ComponentChildren; value: string; testId: string; onDone(): void }) {
  return (
    <div class="new-secret" role="status">
      <p>
        <strong>{props.children}</strong> it will not be shown again.
      </p>
      <code data-testid={props.testId}>{props.value}</code>{' '}
      <button type="button" onClick={props.onDone}>
        Done
      </button>
    </div>
  );
}
