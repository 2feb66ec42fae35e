/**
 * The Vault port over Vault's HTTP API. Every call takes the keeper's
 * current token; when Vault answers 403 the token may have been revoked or
 * rotated under us, so the keeper logs in again and the call is sent once
 * more (a refused call made nothing, so sending it again is safe).
 *
 * Answers are decoded (io-ts) before use; a value that is not a string is
 * turned into one as the port says. Neither values nor tokens are logged.
 */
import * as t from 'io-ts';
import type { Logger } from '../../application/ports/logger.js';
import type { LeasedCredential, StaticSecret, StaticSecretRequest, Vault, VaultError } from '../../application/ports/vault.js';
import { err, ok, type Result } from '../../domain/result.js';
import { credentialText, vaultError } from '../../domain/vault-values.js';
import { VaultTokenKeeper, type VaultAuthSettings } from './vault-token-keeper.js';
import { apiPath, errorTexts, failureOf, VaultTransport, type VaultConnectionSettings, type VaultRequest, type VaultResponse } from './vault-transport.js';

export interface VaultSettings extends VaultConnectionSettings {
  readonly auth: VaultAuthSettings;
}

const KvAnswer = t.type({
  data: t.type({
    data: t.union([t.record(t.string, t.unknown), t.null]),
    metadata: t.type({ version: t.number }),
  }),
});
const LeaseAnswer = t.type({ lease_id: t.string, lease_duration: t.number, renewable: t.boolean, data: t.record(t.string, t.unknown) });
const LeaseLookupAnswer = t.type({ data: t.type({ expire_time: t.union([t.string, t.null]) }) });
const HealthAnswer = t.type({ initialized: t.boolean, sealed: t.boolean });

export class HttpVault implements Vault {
  private readonly transport: VaultTransport;
  private readonly keeper: VaultTokenKeeper;

  constructor(settings: VaultSettings, logger: Logger, now: () => number = Date.now) {
    this.transport = new VaultTransport(settings);
    this.keeper = new VaultTokenKeeper(this.transport, settings.auth, logger.child({ component: 'vault' }), now);
  }

  async readStatic(request: StaticSecretRequest): Promise<Result<StaticSecret, VaultError>> {
    const path = apiPath(request.mount, 'data', request.path);
    if (!path.ok) return path;
    const query = request.version !== undefined ? `?version=${request.version}` : '';
    const what = `read of ${request.mount}/${request.path}${request.version !== undefined ? ` version ${request.version}` : ''}`;
    const answer = await this.call({ method: 'GET', path: `${path.value}${query}` }, what);
    if (!answer.ok) return answer;
    const decoded = KvAnswer.decode(answer.value.body);
    if (decoded._tag === 'Left') return err(vaultError('failed', `Vault ${what}: unexpected answer (is it a KV version 2 mount?)`));
    const { data, metadata } = decoded.right.data;
    if (data === null) return err(vaultError('not-found', `Vault ${what}: deleted or destroyed`));
    const keys = request.keys ?? Object.keys(data);
    const missing = keys.filter((key) => !Object.hasOwn(data, key));
    if (missing.length > 0) return err(vaultError('not-found', `Vault ${what}: no key ${missing.join(', ')}`));
    return ok({ values: stringValues(data, keys), version: metadata.version });
  }

  async leaseCredential(path: string, body?: Readonly<Record<string, unknown>>): Promise<Result<LeasedCredential, VaultError>> {
    const encoded = apiPath(path);
    if (!encoded.ok) return encoded;
    const what = `${body === undefined ? 'read' : 'write'} of ${path}`;
    const answer = await this.call({ method: body === undefined ? 'GET' : 'POST', path: encoded.value, ...(body !== undefined ? { body } : {}) }, what);
    if (!answer.ok) return answer;
    const decoded = LeaseAnswer.decode(answer.value.body);
    if (decoded._tag === 'Left') return err(vaultError('failed', `Vault ${what}: unexpected answer`));
    const { lease_id: leaseId, lease_duration: leaseDurationSeconds, renewable, data } = decoded.right;
    // The credential exists now but nothing can revoke it: the engine must lease (PKI: generate_lease on the role).
    if (leaseId === '') return err(vaultError('invalid', `Vault ${what}: the answer has no lease`));
    return ok({ values: stringValues(data, Object.keys(data)), leaseId, leaseDurationSeconds, renewable });
  }

  async revokeLease(leaseId: string): Promise<Result<void, VaultError>> {
    const answer = await this.call({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: leaseId } }, `revocation of lease ${leaseId}`, isAbsentLease);
    if (!answer.ok) return answer;
    return ok(undefined);
  }

  async lookupLease(leaseId: string): Promise<Result<{ readonly expireTime: Date } | 'absent', VaultError>> {
    const what = `lookup of lease ${leaseId}`;
    const answer = await this.call({ method: 'PUT', path: 'sys/leases/lookup', body: { lease_id: leaseId } }, what, isAbsentLease);
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return ok('absent');
    const decoded = LeaseLookupAnswer.decode(answer.value.body);
    if (decoded._tag === 'Left' || decoded.right.data.expire_time === null) return err(vaultError('failed', `Vault ${what}: unexpected answer`));
    return ok({ expireTime: new Date(decoded.right.data.expire_time) });
  }

  async health(): Promise<Result<void, VaultError>> {
    // sealedcode/uninitcode 200: the body says which, whatever the status.
    const path = 'sys/health?standbyok=true&perfstandbyok=true&sealedcode=200&uninitcode=200';
    const answer = await this.transport.send({ method: 'GET', path });
    if (!answer.ok) return answer;
    const decoded = HealthAnswer.decode(answer.value.body);
    if (answer.value.status !== 200 || decoded._tag === 'Left') return err(failureOf(answer.value, 'health check'));
    if (!decoded.right.initialized) return err(vaultError('sealed', 'Vault is not initialised'));
    if (decoded.right.sealed) return err(vaultError('sealed', 'Vault is sealed'));
    return ok(undefined);
  }

  /** Stops token renewal and closes idle connections. */
  close(): void {
    this.keeper.close();
    this.transport.close();
  }

  /** Drives the token renewal the timer would (for tests and for a caller that wants it now). */
  renewToken(): Promise<Result<void, VaultError>> {
    return this.keeper.renew();
  }

  /** Sends with the current token, once more after a fresh login on 403; a 2xx (or an answer `accept` takes) is ok, anything else a VaultError. */
  private async call(request: Omit<VaultRequest, 'token'>, what: string, accept: (response: VaultResponse) => boolean = () => false): Promise<Result<VaultResponse, VaultError>> {
    let answer: Result<VaultResponse, VaultError> | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.keeper.token();
      if (!token.ok) return token;
      answer = await this.transport.send({ ...request, token: token.value });
      if (!answer.ok || answer.value.status !== 403) break;
      this.keeper.forget();
    }
    if (answer === undefined || !answer.ok) return answer ?? err(vaultError('failed', `Vault ${what}: not sent`));
    const { status } = answer.value;
    return (status >= 200 && status < 300) || accept(answer.value) ? answer : err(failureOf(answer.value, what));
  }
}

/** Vault answers 400 "invalid lease ID" for a lease it does not know (any more). */
const isAbsentLease = (response: VaultResponse): boolean =>
  response.status === 400 && errorTexts(response.body).some((text) => /invalid lease|lease not found/i.test(text));

function stringValues(data: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, credentialText(data[key])]));
}
