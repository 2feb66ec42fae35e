/** A minimal OSB client for tests: sends the version header unless told not to. */
export interface OsbResponse {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
  readonly text: string;
}

export interface OsbRequestOptions {
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  readonly version?: string | null;
  readonly auth?: { username: string; password: string } | { token: string };
}

export async function osb(baseUrl: string, method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.version !== null) headers['X-Broker-API-Version'] = options.version ?? '2.17';
  if (options.auth && 'token' in options.auth) headers['Authorization'] = `Bearer ${options.auth.token}`;
  else if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  const body = options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try { parsed = text === '' ? undefined : JSON.parse(text); } catch { parsed = undefined; }
  return { status: response.status, body: parsed, headers: response.headers, text };
}

/**
 * Provisions the way a plan with workloads must be (accepts_incomplete=true)
 * and polls last_operation until it leaves "in progress". `instancePath` is
 * e.g. `/v2/service_instances/i-1` or the same under a namespace view.
 * Resolves with the PUT's answer and the final last_operation answer.
 */
export async function provisionAndWait(
  baseUrl: string, instancePath: string, body: unknown, options: Omit<OsbRequestOptions, 'body'> = {},
): Promise<{ readonly put: OsbResponse; readonly last: OsbResponse }> {
  const put = await osb(baseUrl, 'PUT', `${instancePath}?accepts_incomplete=true`, { ...options, body });
  if (put.status !== 202) return { put, last: put };
  const operation = encodeURIComponent(String(put.body?.operation ?? ''));
  for (let attempt = 0; attempt < 500; attempt++) {
    const last = await osb(baseUrl, 'GET', `${instancePath}/last_operation?operation=${operation}`, options);
    if (last.status !== 200 || last.body?.state !== 'in progress') return { put, last };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${instancePath}: still in progress after 5 s`);
}
