/**
 * A destructive action in two steps: a danger button opens an inline
 * confirmation (focus moves to its confirm button; Cancel returns focus to the
 * opener), the confirm button runs the action and shows the edge's error if
 * it fails.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBanner } from './status.tsx';
import { useAction } from './use-action.ts';

export function ConfirmAction(props: {
  /** The opener's text, e.g. "Delete…". */
  label: string;
  /** The confirm button's text, e.g. "Move to trash". */
  confirmLabel: string;
  /** The group's accessible name, e.g. "Confirm moving to the trash". */
  groupLabel: string;
  /** What will happen, shown above the buttons. */
  children: ComponentChildren;
  /** Runs on confirm; a rejection is shown and the confirmation stays open. */
  onConfirm: () => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  return (
    <>
      {confirming ? (
        <div class="confirm" role="group" aria-label={props.groupLabel}>
          <p>{props.children}</p>
          <div class="row">
            <button type="button" class="danger" ref={confirmRef} disabled={busy} onClick={() => void run(props.onConfirm)}>
              {props.confirmLabel}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setConfirming(false);
                requestAnimationFrame(() => openRef.current?.focus());
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" class="danger" ref={openRef} onClick={() => setConfirming(true)}>
          {props.label}
        </button>
      )}
      <ErrorBanner error={error} />
    </>
  );
}
