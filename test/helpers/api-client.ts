/** A small REST client for tests: real HTTP to the API, Basic auth with an account's key. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    public baseUrl: string,
    private readonly secretId: string,
    private readonly secretKey: string,
  ) {}

  withKey(secretId: string, secretKey: string): ApiClient {
    return new ApiClient(this.baseUrl, secretId, secretKey);
  }

  /** The Authorization header this client sends, for requests made without it (streams). */
  authorization(): string {
    return `Basic ${Buffer.from(`${this.secretId}:${this.secretKey}`).toString('base64')}`;
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        authorization: this.authorization(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
}
