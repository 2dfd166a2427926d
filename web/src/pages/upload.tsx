/**
 * Upload (`/upload`): the Uppy Dashboard (drop files or pick them, then
 * Upload; per-file progress, pause/resume, retry), and below it each stored
 * file's processing status until it is ready, with a link to its page.
 */
import { ProcessingList, Uploader } from '../components/uploader.tsx';

type Props = { params: Record<string, string>; query: URLSearchParams };

export function UploadPage(_props: Props) {
  return (
    <section class="upload-page" aria-labelledby="upload-title">
      <div class="page-head">
        <h1 id="upload-title">Upload</h1>
        <a href="/">Back to the library</a>
      </div>
      <p class="hint" id="upload-hint">
        Drop files on the area below or browse for them, then choose Upload. Uploads continue while you browse the library; closing the tab
        stops them.
      </p>
      <Uploader />
      <ProcessingList />
    </section>
  );
}
