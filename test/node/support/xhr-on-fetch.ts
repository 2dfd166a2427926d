/**
 * The least of XMLHttpRequest that Uppy's uploader uses (open, headers, send
 * with a Blob or FormData body, abort, status, response headers, onload /
 * onerror / upload.onprogress), on Node's own fetch: enough to run the real,
 * unmodified `@uppy/aws-s3` in Node without a DOM. Upload progress is reported
 * once, when the request body has been sent. Test scaffolding only.
 */
type Handler = ((ev: { lengthComputable: boolean; loaded: number; total: number }) => void) | null;

export class FetchXMLHttpRequest {
  status = 0;
  statusText = '';
  responseText = '';
  response: unknown = '';
  responseType = '';
  withCredentials = false;
  readyState = 0;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  readonly upload: { onprogress: Handler } = { onprogress: null };
  private method = 'GET';
  private url = '';
  private readonly headers = new Headers();
  private responseHeaders = new Headers();
  private readonly controller = new AbortController();

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers.append(name, value);
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders.get(name);
  }

  getAllResponseHeaders(): string {
    return [...this.responseHeaders].map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  abort(): void {
    this.controller.abort();
  }

  send(body?: Blob | FormData | string | ArrayBuffer | null): void {
    const size =
      body instanceof Blob ? body.size : typeof body === 'string' ? body.length : body instanceof ArrayBuffer ? body.byteLength : 0;
    fetch(this.url, { method: this.method, headers: this.headers, body: body ?? null, signal: this.controller.signal })
      .then(async (res) => {
        this.upload.onprogress?.({ lengthComputable: size > 0, loaded: size, total: size });
        this.status = res.status;
        this.statusText = res.statusText;
        this.responseHeaders = res.headers;
        this.responseText = await res.text();
        this.response = this.responseType === 'json' ? JSON.parse(this.responseText || 'null') : this.responseText;
        this.readyState = 4;
        this.onload?.();
      })
      .catch(() => {
        this.readyState = 4;
        if (this.controller.signal.aborted) this.onabort?.();
        else this.onerror?.();
      });
  }
}
