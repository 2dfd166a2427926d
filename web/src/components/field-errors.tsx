/** A validation error of the edge: its message, then each field's message. */
import { ErrorBanner } from './status.tsx';

/** ErrorBanner plus the edge's per-field messages of a validation error. */
export function FieldErrors({ error }: { error: unknown }) {
  const fields = (error as { code?: string; details?: { fields?: { field: string; message: string }[] } } | null)?.details?.fields;
  return (
    <ErrorBanner error={error}>
      {Array.isArray(fields) && fields.length > 0 ? (
        <ul class="field-messages">
          {fields.map((f) => (
            <li key={f.field + f.message}>
              {f.field}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </ErrorBanner>
  );
}
