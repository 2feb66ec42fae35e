/**
 * The contract of ConsumerSecretStore, for every implementation: the fake
 * used by verb tests and the client-node store against a real apiserver.
 */
import { expect } from 'chai';
import type { ConsumerSecretStore, SecretTarget } from '../../src/adapters/cli/consumer-secret.js';

export interface SecretStoreSubject {
  readonly store: ConsumerSecretStore;
  readonly namespace: string;
  /** Creates a Secret the store did not write, with these labels. */
  plant(name: string, labels: Record<string, string>): Promise<void>;
  /** Adds a label to an existing Secret, as its owner might (for a reloader, say). */
  plantLabel(name: string, key: string, value: string): Promise<void>;
  /** The Secret as the cluster holds it (data decoded), or undefined. */
  read(name: string): Promise<{ labels: Record<string, string>; data: Record<string, string> } | undefined>;
  cleanup(): Promise<void>;
}

export function describeConsumerSecretStore(name: string, makeSubject: () => Promise<SecretStoreSubject>): void {
  describe(`ConsumerSecretStore contract: ${name}`, () => {
    let subject: SecretStoreSubject;
    const target = (secret: string, bindingId = 'b-1', instanceId = 'i-1'): SecretTarget => ({ namespace: subject.namespace, name: secret, instanceId, bindingId });

    beforeEach(async () => { subject = await makeSubject(); });
    afterEach(async () => { await subject.cleanup(); });

    it('creates the Secret with the credentials as strings and the binding labels', async () => {
      expect(await subject.store.check(target('creds'))).to.deep.equal({ ok: true, value: 'absent' });
      expect(await subject.store.write(target('creds'), { host: 'h.example', port: 443, tls: true, extra: { a: 1 } })).to.deep.equal({ ok: true, value: 'created' });
      const secret = await subject.read('creds');
      expect(secret?.data).to.deep.equal({ host: 'h.example', port: '443', tls: 'true', extra: '{"a":1}' });
      expect(secret?.labels).to.deep.include({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/binding': 'b-1', 'mesitis/instance': 'i-1' });
      expect(await subject.store.check(target('creds'))).to.deep.equal({ ok: true, value: 'ours' });
    });

    it('replaces the Secret of the same binding, dropping keys that are gone', async () => {
      await subject.store.write(target('creds'), { username: 'u', password: 'old' });
      expect(await subject.store.write(target('creds'), { password: 'new' })).to.deep.equal({ ok: true, value: 'replaced' });
      expect((await subject.read('creds'))?.data).to.deep.equal({ password: 'new' });
    });

    it('refuses to check, overwrite or delete a Secret it did not write, and leaves it alone', async () => {
      await subject.plant('foreign', { app: 'theirs' });
      for (const outcome of [await subject.store.check(target('foreign')), await subject.store.write(target('foreign'), { a: 'b' }), await subject.store.delete(target('foreign'))]) {
        expect(outcome.ok).to.equal(false);
        expect(!outcome.ok && outcome.error).to.contain(`Secret ${subject.namespace}/foreign exists and is not this binding's`).and.to.contain('not managed by mesitis');
      }
      expect((await subject.read('foreign'))?.labels).to.deep.equal({ app: 'theirs' });
    });

    it('refuses the Secret of another binding, naming it', async () => {
      await subject.store.write(target('shared', 'b-other'), { a: 'b' });
      const refused = await subject.store.write(target('shared', 'b-1'), { a: 'c' });
      expect(!refused.ok && refused.error).to.contain('binding b-other of instance i-1');
      expect((await subject.read('shared'))?.data).to.deep.equal({ a: 'b' });
      expect((await subject.store.delete(target('shared', 'b-1'))).ok).to.equal(false);
    });

    it('deletes its own Secret, and counts an absent one as deleted already', async () => {
      await subject.store.write(target('creds'), { a: 'b' });
      expect(await subject.store.delete(target('creds'))).to.deep.equal({ ok: true, value: 'deleted' });
      expect(await subject.read('creds')).to.equal(undefined);
      expect(await subject.store.delete(target('creds'))).to.deep.equal({ ok: true, value: 'absent' });
    });

    it('hands its Secret over to a successor binding in place: its credentials and labels, other labels kept', async () => {
      await subject.store.write(target('creds'), { username: 'u-old', password: 'old' });
      await subject.plantLabel('creds', 'team', 'reports');
      expect(await subject.store.handOver(target('creds'), 'b-2', { username: 'u-new', password: 'new' })).to.deep.equal({ ok: true, value: 'replaced' });
      const secret = await subject.read('creds');
      expect(secret?.data).to.deep.equal({ username: 'u-new', password: 'new' });
      expect(secret?.labels).to.deep.include({ 'mesitis/binding': 'b-2', 'mesitis/instance': 'i-1', team: 'reports' });
      expect(await subject.store.check(target('creds', 'b-2'))).to.deep.equal({ ok: true, value: 'ours' });
      expect((await subject.store.check(target('creds'))).ok, 'the predecessor no longer holds it').to.equal(false);
    });

    it('refuses to hand over an absent Secret, a foreign one or another binding\'s, changing nothing', async () => {
      const absent = await subject.store.handOver(target('nothing'), 'b-2', { a: 'b' });
      expect(!absent.ok && absent.error).to.contain(`Secret ${subject.namespace}/nothing does not exist`);
      expect(await subject.read('nothing')).to.equal(undefined);
      await subject.plant('foreign', { app: 'theirs' });
      const foreign = await subject.store.handOver(target('foreign'), 'b-2', { a: 'b' });
      expect(!foreign.ok && foreign.error).to.contain('not managed by mesitis');
      await subject.store.write(target('other', 'b-other'), { a: 'b' });
      const other = await subject.store.handOver(target('other'), 'b-2', { a: 'c' });
      expect(!other.ok && other.error).to.contain('binding b-other of instance i-1');
      expect(await subject.read('other')).to.deep.include({ data: { a: 'b' } });
    });

    it('recognises its Secret when the ids are not valid label values (hashed labels)', async () => {
      const odd = target('odd', `binding with spaces and ${'x'.repeat(80)}`, 'instance/with/slashes');
      await subject.store.write(odd, { a: 'b' });
      expect((await subject.read('odd'))?.labels['mesitis/binding']).to.match(/^h-[0-9a-f]+$/);
      expect(await subject.store.check(odd)).to.deep.equal({ ok: true, value: 'ours' });
      expect(await subject.store.delete(odd)).to.deep.equal({ ok: true, value: 'deleted' });
    });
  });
}
