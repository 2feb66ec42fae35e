/**
 * Vault's HTTP API, one JSON request at a time, on node:http(s) (a CA bundle
 * needs no extra dependency there). The failure policy, stated once:
 *
 * - Nothing answered (refused, reset, DNS, TLS, no reply within the
 *   timeout): `unreachable`. No retry here; the caller decides.
 * - An answer is returned whatever its status; `failureOf` turns a non-2xx
 *   status into a VaultError that names the operation, the path and the
 *   status only. Vault's `errors` text is read to tell "sealed" from other
 *   503s and a missing lease from a bad request, and never passed on: it
 *   may echo what was sent.
 */
import http from 'node:http';
import https from 'node:https';
import { err, ok, type Result } from '../../domain/result.js';
import { vaultError, vaultSegments, type VaultError, type VaultFailure } from '../../domain/vault-values.js';

export interface VaultConnectionSettings {
  /** e.g. https://vault.example:8200 */
  readonly address: string;
  /** PEM bundle trusted for an https address, instead of the system's CAs. */
  readonly caCertificates?: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. */
  readonly namespace?: string;
  /** How long one request may take, connecting included. Default 5000. */
  readonly timeoutMs?: number;
}

export interface VaultResponse {
  readonly status: number;
  /** Parsed JSON; undefined for an empty or non-JSON body. */
  readonly body: unknown;
}

export interface VaultRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API path after /v1/, already encoded (see apiPath). */
  readonly path: string;
  readonly token?: string;
  readonly body?: unknown;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A Vault path for a URL: its segments (see vaultSegments) percent-encoded. */
export function apiPath(...parts: readonly string[]): Result<string, VaultError> {
  const segments = vaultSegments(parts);
  return segments.ok ? ok(segments.value.map(encodeURIComponent).join('/')) : err(vaultError('invalid', segments.error));
}

/** Vault's `errors` list, for classifying only. */
export function errorTexts(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors.filter((e): e is string => typeof e === 'string') : [];
}

/** The VaultError for a non-2xx answer to `what` (e.g. "read of secret/data/app"). */
export function failureOf(response: VaultResponse, what: string): VaultError {
  const { status } = response;
  const say = (failure: VaultFailure, reason: string): VaultError => vaultError(failure, `Vault ${what}: ${reason} (HTTP ${status})`);
  if (status === 503) {
    const sealed = errorTexts(response.body).some((text) => /sealed/i.test(text));
    return sealed ? say('sealed', 'Vault is sealed') : say('unreachable', 'Vault is unavailable');
  }
  if (status === 429 || status === 412) return say('unreachable', 'Vault cannot serve this now');
  if (status === 401 || status === 403) return say('forbidden', 'permission denied');
  if (status === 404) return say('not-found', 'not found');
  if (status >= 400 && status < 500) return say('invalid', 'refused');
  return say('failed', 'Vault failed');
}

export class VaultTransport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(private readonly settings: VaultConnectionSettings) {
    this.base = new URL(settings.address.endsWith('/') ? settings.address : `${settings.address}/`);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`Vault address must be http(s): ${settings.address}`);
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(settings.caCertificates !== undefined ? { ca: settings.caCertificates } : {}) })
        : new http.Agent({ keepAlive: true });
  }

  /** One request; err only when nothing answered (`unreachable`). */
  send(request: VaultRequest): Promise<Result<VaultResponse, VaultError>> {
    const url = new URL(`v1/${request.path}`, this.base);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: Record<string, string> = { accept: 'application/json', 'x-vault-request': 'true' };
    if (request.token !== undefined) headers['x-vault-token'] = request.token;
    if (this.settings.namespace !== undefined) headers['x-vault-namespace'] = this.settings.namespace;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const unreachable = (reason: string): Result<VaultResponse, VaultError> =>
      err(vaultError('unreachable', `Vault at ${this.base.origin} did not answer ${request.method} ${url.pathname.replace(/^\/v1\//, '')}: ${reason}`));

    return new Promise((resolve) => {
      const send = this.base.protocol === 'https:' ? https.request : http.request;
      const req = send(url, { method: request.method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve(ok({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')) })));
        res.on('error', (error) => resolve(unreachable(error.message)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      // Node's messages name the address and the errno, never the request's headers.
      req.on('error', (error) => resolve(unreachable(error.message)));
      req.end(payload);
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
