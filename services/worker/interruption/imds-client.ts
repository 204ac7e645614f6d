/**
 * A minimal EC2 instance metadata client, IMDSv2 only (the launch template requires it): a session
 * token from PUT /latest/api/token, then GETs carrying it. A 404 means "no such item" (for
 * spot/instance-action: no notice), returned as undefined.
 */

export class ImdsError extends Error {
  override readonly name = 'ImdsError';
}

export interface ImdsClientOptions {
  /** @defaultValue 2000 */
  timeoutMs?: number;
  /** @defaultValue 21600 (6 h, the maximum) */
  tokenTtlSeconds?: number;
}

export class ImdsClient {
  private token: { value: string; expiresAt: number } | undefined;
  private readonly timeoutMs: number;
  private readonly tokenTtlSeconds: number;

  constructor(
    private readonly endpoint: string,
    options: ImdsClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 21_600;
  }

  /** The item's text, or undefined when IMDS answers 404. */
  async get(path: string): Promise<string | undefined> {
    for (const retry of [false, true]) {
      const token = await this.sessionToken(retry);
      const response = await this.request('GET', path, { 'x-aws-ec2-metadata-token': token });
      if (response.status === 404) return undefined;
      if (response.status === 401 && !retry) continue;
      if (!response.ok) throw new ImdsError(`IMDS GET ${path}: HTTP ${response.status}`);
      return response.text();
    }
    throw new ImdsError(`IMDS GET ${path}: token refused`);
  }

  private async sessionToken(refresh: boolean): Promise<string> {
    const now = Date.now();
    if (!refresh && this.token && this.token.expiresAt > now) return this.token.value;
    const response = await this.request('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': String(this.tokenTtlSeconds) });
    if (!response.ok) throw new ImdsError(`IMDS token: HTTP ${response.status}`);
    // Renewed a minute early so a token never expires between fetching and using it.
    this.token = { value: await response.text(), expiresAt: now + (this.tokenTtlSeconds - 60) * 1000 };
    return this.token.value;
  }

  private async request(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(new URL(path, this.endpoint), { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new ImdsError(`IMDS ${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
