/**
 * What every SecretSource must do, asserted through the port alone, so the
 * same suite runs against the in-memory cluster and a real kube-apiserver.
 * Call describeSecretSource once per adapter.
 */
import { expect } from 'chai';
import type { SecretSource } from '../../src/application/ports/secret-source.js';
import type { Result } from '../../src/domain/result.js';

export interface SecretSpec {
  readonly name: string;
  /** Values already base64-encoded, as the Secret's `data` holds them. */
  readonly data?: Record<string, string>;
  /** Plain values, as `stringData` takes them. */
  readonly stringData?: Record<string, string>;
}

export interface SecretSourceFixture {
  /** A SecretSource over a namespace that is this test's alone. */
  readonly source: SecretSource;
  /** Creates a Secret in the source's namespace. */
  putSecret(secret: SecretSpec): Promise<void>;
  /** Creates a Secret in another namespace, which `read` must not see and `readIn` (naming it) must. */
  putForeignSecret(secret: SecretSpec): Promise<void>;
  /** That other namespace (a target namespace, where an instance's Secret lives). */
  readonly foreignNamespace: string;
  cleanup(): Promise<void>;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

function errorKindOf<T>(result: Result<T>): string {
  if (result.ok) throw new Error(`expected an error, got ok ${JSON.stringify(result.value)}`);
  return result.error.kind;
}

export function describeSecretSource(name: string, makeFixture: () => Promise<SecretSourceFixture>): void {
  describe(`SecretSource contract: ${name}`, function () {
    let fixture: SecretSourceFixture;

    beforeEach(async function () {
      fixture = await makeFixture();
    });

    afterEach(async function () {
      await fixture.cleanup();
    });

    it('decodes base64 data into UTF-8 strings', async function () {
      await fixture.putSecret({ name: 'login', data: { username: base64('example-user'), password: base64('exämple-pässword-1 ✓') } });
      expect(valueOf(await fixture.source.read('login'))).to.deep.equal({ username: 'example-user', password: 'exämple-pässword-1 ✓' });
    });

    it('reads values written as stringData', async function () {
      await fixture.putSecret({ name: 'login', data: { username: base64('from-data') }, stringData: { password: 'example-password-1' } });
      expect(valueOf(await fixture.source.read('login'))).to.deep.equal({ username: 'from-data', password: 'example-password-1' });
    });

    it('reads a Secret without data as no values', async function () {
      await fixture.putSecret({ name: 'empty' });
      expect(valueOf(await fixture.source.read('empty'))).to.deep.equal({});
    });

    it('answers NotFound for a Secret that does not exist', async function () {
      expect(errorKindOf(await fixture.source.read('no-such-secret'))).to.equal('NotFound');
    });

    it('does not read Secrets of other namespaces', async function () {
      await fixture.putForeignSecret({ name: 'elsewhere', stringData: { password: 'example-password-1' } });
      expect(errorKindOf(await fixture.source.read('elsewhere'))).to.equal('NotFound');
    });

    it('reads an instance\'s Secret in the namespace it names, decoded the same way; NotFound when absent', async function () {
      await fixture.putForeignSecret({ name: 'instance-db', data: { password: base64('exämple-pässword-2') }, stringData: { username: 'app' } });
      expect(valueOf(await fixture.source.readIn(fixture.foreignNamespace, 'instance-db'))).to.deep.equal({ username: 'app', password: 'exämple-pässword-2' });
      expect(errorKindOf(await fixture.source.readIn(fixture.foreignNamespace, 'not-yet-written'))).to.equal('NotFound');
    });
  });
}
