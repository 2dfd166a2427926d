/**
 * The edge's upload API as a client sees it: log in, then the Companion-style
 * multipart calls and the status call, each with the Bearer access token. An
 * access token lives 15 minutes and a 5 GB upload may take longer, so a 401
 * logs in again (once) and repeats the call. With an API key (MEDIA_API_KEY)
 * there is no login: the key is the Bearer credential, and a 401 is final.
 */

/** A password login, or an API key with the `uploads` scope (sent as Bearer; never expires mid-upload unless revoked). */
export type Credentials = { endpoint: string } & ({ email: string; password: string } | { apiKey: string });

export interface MultipartStart {
  key: string;
  uploadId: string;
  assetId: string;
  partSize: number;
  maxPartNumber: number;
  expiresAt: string;
}

export interface StoredPart {
  PartNumber: number;
  Size: number;
  ETag: string;
}

export interface AssetStatus {
  assetId: string;
  status: 'pending' | 'uploaded' | 'processing' | 'ready' | 'failed' | 'blocked';
  reason?: string;
  derivatives?: { variant: string; contentType: string; url: string; status: string }[];
}

/** A refused call: the edge's error code and message, and the HTTP status. */
export class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeError';
  }
  /** Worth another try later (storage or the edge briefly down, rate limited). */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

async function errorOf(res: Response): Promise<EdgeError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new EdgeError(res.status, error.code, error.message);
  } catch {
    return new EdgeError(res.status, `http_${res.status}`, text.slice(0, 200) || res.statusText);
  }
}

export class EdgeApi {
  private token: string | undefined;
  readonly endpoint: string;

  constructor(private readonly creds: Credentials) {
    this.endpoint = creds.endpoint.replace(/\/+$/, '');
  }

  async login(): Promise<void> {
    if ('apiKey' in this.creds) {
      this.token = this.creds.apiKey;
      return;
    }
    const res = await fetch(`${this.endpoint}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: this.creds.email, password: this.creds.password }),
    });
    if (!res.ok) throw await errorOf(res);
    if (res.status === 202) {
      await res.body?.cancel();
      throw new EdgeError(
        res.status,
        'second_factor_required',
        'This account uses two-factor authentication: use an API key (MEDIA_API_KEY).',
      );
    }
    this.token = ((await res.json()) as { accessToken: string }).accessToken;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) await this.login();
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.endpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status === 401 && attempt === 0 && !('apiKey' in this.creds)) {
        await res.body?.cancel();
        await this.login();
        continue;
      }
      if (!res.ok) throw await errorOf(res);
      if (res.status === 204) return undefined as T;
      return (await res.json()) as T;
    }
  }

  createMultipart(d: { filename: string; type: string; size: number; sha256?: string }): Promise<MultipartStart> {
    const metadata = { size: d.size, ...(d.sha256 ? { sha256: d.sha256 } : {}) };
    return this.call('POST', '/s3/multipart', { filename: d.filename, type: d.type, metadata });
  }

  private static q(key: string): string {
    return `?key=${encodeURIComponent(key)}`;
  }

  async partUrl(uploadId: string, key: string, partNumber: number): Promise<string> {
    const r = await this.call<{ url: string }>('GET', `/s3/multipart/${encodeURIComponent(uploadId)}/${partNumber}${EdgeApi.q(key)}`);
    return r.url;
  }

  listParts(uploadId: string, key: string): Promise<StoredPart[]> {
    return this.call('GET', `/s3/multipart/${encodeURIComponent(uploadId)}${EdgeApi.q(key)}`);
  }

  complete(uploadId: string, key: string, parts: { PartNumber: number; ETag: string }[]): Promise<{ location: string; assetId: string }> {
    return this.call('POST', `/s3/multipart/${encodeURIComponent(uploadId)}/complete${EdgeApi.q(key)}`, { parts });
  }

  abort(uploadId: string, key: string): Promise<void> {
    return this.call('DELETE', `/s3/multipart/${encodeURIComponent(uploadId)}${EdgeApi.q(key)}`);
  }

  status(assetId: string): Promise<AssetStatus> {
    return this.call('GET', `/api/assets/${encodeURIComponent(assetId)}/status`);
  }
}
