/**
 * The broker's own Vault token: obtained by a login, renewed before it
 * expires, obtained again when renewal is refused.
 *
 * - kubernetes: logs in to the Kubernetes auth method with the
 *   ServiceAccount token in a file, read again at each login because the
 *   kubelet rotates a projected token.
 * - token: a token handed over (from a Secret, a file, the environment);
 *   "login" reads it again and looks it up, so a rotated value is picked up.
 *
 * Renewal happens at two thirds of the token's TTL: lazily before a request
 * and by a timer (unref'd, so it never keeps the process alive), because a
 * handed-over token that expires while the broker is idle is lost for good.
 * Renew-self asks for the TTL the token was created with; when Vault refuses
 * (not renewable, revoked) or grants less (max TTL near) the keeper logs in
 * again. The token never reaches a log line or an error.
 */
import { readFile } from 'node:fs/promises';
import * as t from 'io-ts';
import type { Logger } from '../../application/ports/logger.js';
import type { VaultError } from '../../application/ports/vault.js';
import { err, ok, type Result } from '../../domain/result.js';
import { vaultError } from '../../domain/vault-values.js';
import { apiPath, failureOf, type VaultTransport } from './vault-transport.js';

export type VaultAuthSettings =
  | {
      readonly method: 'kubernetes';
      /** The Vault role the broker logs in as. */
      readonly role: string;
      /** The projected ServiceAccount token, e.g. /var/run/secrets/tokens/vault. */
      readonly tokenFile: string;
      /** Where the auth method is mounted; default `kubernetes`. */
      readonly mount?: string;
    }
  | {
      readonly method: 'token';
      /** Reads the token (again at each login, so a rotated one is used). */
      readonly readToken: () => Promise<string>;
    };

interface Session {
  readonly token: string;
  /** 0: the token never expires (e.g. a root token). */
  readonly ttlSeconds: number;
  readonly renewable: boolean;
  /** The TTL to ask for at renewal: the one the token was created with. */
  readonly increment: number;
  /** When the TTL was last set (ms since epoch). */
  readonly since: number;
}

const RENEW_AT_FRACTION = 2 / 3;
/** However short the TTL left, the timer does not spin. */
const MIN_RENEW_DELAY_MS = 1000;
/** After a failed renewal by the timer. */
const RETRY_DELAY_MS = 10_000;

const LoginAnswer = t.type({ auth: t.type({ client_token: t.string, lease_duration: t.number, renewable: t.boolean }) });
const LookupAnswer = t.type({ data: t.type({ ttl: t.number, creation_ttl: t.number, renewable: t.boolean }) });

export class VaultTokenKeeper {
  private session: Session | undefined;
  private pending: Promise<Result<Session, VaultError>> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly transport: VaultTransport,
    private readonly auth: VaultAuthSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token to send now: logs in when there is none, renews (or logs in again) when two thirds of its TTL are gone. */
  async token(): Promise<Result<string, VaultError>> {
    const current = this.session;
    if (current !== undefined && !this.renewalDue(current)) return ok(current.token);
    const next = await this.once(() => (current === undefined ? this.login() : this.renewOrLogin(current)));
    if (next.ok) return ok(next.value.token);
    // Renewal failed but the token has not expired: use it while it lasts (the next call tries again).
    return current !== undefined && this.now() < current.since + current.ttlSeconds * 1000 ? ok(current.token) : next;
  }

  /** Renews the token now (logging in again when Vault refuses): what the timer does. */
  async renew(): Promise<Result<void, VaultError>> {
    const current = this.session;
    const next = await this.once(() => (current === undefined ? this.login() : this.renewOrLogin(current)));
    return next.ok ? ok(undefined) : next;
  }

  /** Forgets the token (Vault said it is no longer valid): the next token() logs in. */
  forget(): void {
    this.session = undefined;
  }

  /** Stops the renewal timer. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private renewalDue(session: Session): boolean {
    return session.ttlSeconds > 0 && this.now() >= session.since + session.ttlSeconds * 1000 * RENEW_AT_FRACTION;
  }

  /** Concurrent callers share one login or renewal. */
  private async once(work: () => Promise<Result<Session, VaultError>>): Promise<Result<Session, VaultError>> {
    this.pending ??= work().then((result) => {
      this.pending = undefined;
      if (result.ok) this.adopt(result.value);
      return result;
    });
    return this.pending;
  }

  private adopt(session: Session): void {
    this.session = session;
    if (session.ttlSeconds > 0) this.schedule(session.ttlSeconds * 1000 * RENEW_AT_FRACTION);
  }

  /** The timer: renews after delayMs; after a failure tries again, until a renewal or login succeeds (which schedules anew). */
  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.renew().then((result) => {
        if (result.ok) return;
        this.logger.warn('vault token renewal failed; trying again', { failure: result.error.failure, reason: result.error.message });
        this.schedule(RETRY_DELAY_MS);
      });
    }, Math.max(MIN_RENEW_DELAY_MS, delayMs));
    this.timer.unref();
  }

  private async renewOrLogin(current: Session): Promise<Result<Session, VaultError>> {
    if (current.renewable) {
      const answer = await this.transport.send({ method: 'POST', path: 'auth/token/renew-self', token: current.token, body: { increment: `${current.increment}s` } });
      if (!answer.ok) return answer; // unreachable: keep the token, it may still be valid
      const renewed = answer.value.status === 200 ? LoginAnswer.decode(answer.value.body) : undefined;
      if (renewed?._tag === 'Right') {
        const { lease_duration: ttlSeconds, renewable } = renewed.right.auth;
        // Less than asked: the token nears its max TTL, and only a login gives a new one.
        if (ttlSeconds >= current.increment) {
          this.logger.debug('vault token renewed', { ttlSeconds });
          return ok({ ...current, ttlSeconds, renewable, since: this.now() });
        }
        this.logger.info('vault token nears its max TTL; logging in again', { ttlSeconds });
        const fresh = await this.login();
        return fresh.ok ? fresh : ok({ ...current, ttlSeconds, renewable, since: this.now() });
      }
      const failure = failureOf(answer.value, 'token renewal');
      if (failure.failure === 'sealed' || failure.failure === 'unreachable') return err(failure);
      this.logger.info('vault refused to renew the token; logging in again', { status: answer.value.status });
    }
    return this.login();
  }

  private login(): Promise<Result<Session, VaultError>> {
    return this.auth.method === 'kubernetes' ? this.kubernetesLogin(this.auth) : this.tokenLogin(this.auth);
  }

  private async kubernetesLogin(auth: Extract<VaultAuthSettings, { method: 'kubernetes' }>): Promise<Result<Session, VaultError>> {
    let jwt: string;
    try {
      jwt = (await readFile(auth.tokenFile, 'utf8')).trim();
    } catch (error) {
      return err(vaultError('failed', `cannot read the ServiceAccount token file ${auth.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`));
    }
    const mount = apiPath(auth.mount ?? 'kubernetes', 'login');
    if (!mount.ok) return mount;
    const what = `login to ${auth.mount ?? 'kubernetes'} as role ${auth.role}`;
    const answer = await this.transport.send({ method: 'POST', path: `auth/${mount.value}`, body: { role: auth.role, jwt } });
    if (!answer.ok) return answer;
    const decoded = LoginAnswer.decode(answer.value.body);
    if (answer.value.status !== 200 || decoded._tag === 'Left') return err(loginFailure(failureOf(answer.value, what)));
    const { client_token: token, lease_duration: ttlSeconds, renewable } = decoded.right.auth;
    this.logger.info('logged in to vault', { method: 'kubernetes', role: auth.role, ttlSeconds });
    return ok({ token, ttlSeconds, renewable, increment: ttlSeconds, since: this.now() });
  }

  private async tokenLogin(auth: Extract<VaultAuthSettings, { method: 'token' }>): Promise<Result<Session, VaultError>> {
    let token: string;
    try {
      token = (await auth.readToken()).trim();
    } catch {
      return err(vaultError('failed', 'cannot read the Vault token'));
    }
    const answer = await this.transport.send({ method: 'GET', path: 'auth/token/lookup-self', token });
    if (!answer.ok) return answer;
    const decoded = LookupAnswer.decode(answer.value.body);
    if (answer.value.status !== 200 || decoded._tag === 'Left') return err(loginFailure(failureOf(answer.value, 'token lookup')));
    const { ttl: ttlSeconds, creation_ttl: increment, renewable } = decoded.right.data;
    this.logger.info('using the vault token', { method: 'token', ttlSeconds });
    return ok({ token, ttlSeconds, renewable, increment, since: this.now() });
  }
}

/** A 400 from a login (bad role, a JWT Vault or the TokenReview refused) is a refused identity too. */
const loginFailure = (failure: VaultError): VaultError =>
  failure.failure === 'invalid' ? vaultError('forbidden', failure.message.replace(': refused', ': login refused')) : failure;
