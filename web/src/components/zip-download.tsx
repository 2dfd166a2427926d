/**
 * "Download as ZIP" for a collection: asks `POST /api/downloads` for a
 * short-lived signed URL (access is checked there and again when the URL
 * is opened), then lets the browser download it like any file, with its
 * own progress bar (the archive's length is known in advance). Items the
 * caller may only view are named in the archive's MANIFEST.txt.
 */
import { api } from '../api/client.ts';
import { ErrorBanner } from './status.tsx';
import { useAction } from './use-action.ts';

export function ZipDownloadButton({ collectionId }: { collectionId: string }) {
  const { busy, error, run } = useAction();
  return (
    <>
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            const { url } = await api('POST /api/downloads', { body: { collectionId } });
            location.assign(url);
          })
        }
      >
        {busy ? 'Preparing…' : 'Download as ZIP'}
      </button>
      {error ? <ErrorBanner error={error} /> : null}
    </>
  );
}
