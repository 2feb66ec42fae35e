/** What the ClusterApi adapter adds around the generic object api: refusals before any write, and errors that carry no body. */
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import sinon from 'sinon';
import type { KubernetesApis } from '../../../../src/adapters/kubernetes/api-clients.js';
import { KubernetesClusterApi } from '../../../../src/adapters/kubernetes/kubernetes-cluster-api.js';
import type { KubeObject } from '../../../../src/domain/kube-object.js';
import { RecordingLogger } from '../../application/fakes.js';

const SECRET = 'hunter2-from-a-secret-template';
const secret = (metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'login', namespace: 'api-ns', ...metadata }, stringData: { password: SECRET },
});

describe('adapters/kubernetes/kubernetes-cluster-api', () => {
  let objects: Record<string, sinon.SinonStub>;
  let logger: RecordingLogger;
  let api: KubernetesClusterApi;

  beforeEach(() => {
    objects = { scopeOf: sinon.stub().resolves('namespaced'), createJson: sinon.stub(), applyJson: sinon.stub(), readJson: sinon.stub(), listJson: sinon.stub(), delete: sinon.stub() };
    logger = new RecordingLogger();
    api = new KubernetesClusterApi({ core: {}, objects } as unknown as KubernetesApis, logger);
  });

  it('keeps an echoed Secret value out of the result and the log', async () => {
    const body = JSON.stringify({
      kind: 'Status', code: 500, reason: 'InternalError',
      message: `Secret "login" failed: stringData.password: "${SECRET}"`, details: { causes: [{ message: SECRET }] },
    });
    objects['createJson']!.rejects(new ApiException(500, 'Unknown API Status Code!', body, { 'x-debug': SECRET }));
    const result = await api.create(secret());
    expect(result.ok).to.equal(false);
    expect(JSON.stringify(result)).to.not.contain(SECRET);
    expect(JSON.stringify(logger.lines)).to.not.contain(SECRET);
    expect(logger.lines[0]?.fields).to.deep.include({ kind: 'Unavailable', status: 500, reason: 'InternalError' });
  });

  it('refuses what a server would refuse confusingly, without a request', async () => {
    expect(await api.create(secret({ resourceVersion: '12' }))).to.deep.include({ ok: false });
    expect(await api.create(secret({ namespace: undefined }))).to.deep.include({ ok: false });
    expect(objects['createJson']!.called).to.equal(false);
  });

  it('refuses a kind discovery does not know, or knows as cluster-scoped, without writing', async () => {
    objects['scopeOf']!.withArgs('example.com/v1', 'Widget').resolves('unknown');
    objects['scopeOf']!.withArgs('rbac.authorization.k8s.io/v1', 'ClusterRole').resolves('cluster');
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'api-ns' } };
    expect(await api.create(widget)).to.deep.equal({ ok: false, error: { kind: 'ConfigInvalid', message: 'Widget.example.com api-ns/w cannot be created: the cluster serves no kind Widget in example.com/v1' } });
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'api-ns' } };
    expect(await api.create(role)).to.deep.equal({
      ok: false, error: { kind: 'ConfigInvalid', message: 'ClusterRole.rbac.authorization.k8s.io api-ns/r cannot be created: ClusterRole (rbac.authorization.k8s.io/v1) is cluster-scoped' },
    });
    expect(objects['createJson']!.called).to.equal(false);
    // Nothing of an unserved kind can exist: reads, lists and deletes answer so without asking.
    expect(await api.get({ ...widget, namespace: 'api-ns', name: 'w' })).to.deep.equal({ ok: true, value: undefined });
    expect(await api.delete({ ...widget, namespace: 'api-ns', name: 'w' })).to.deep.equal({ ok: true, value: 'absent' });
    expect(await api.list(widget, 'api-ns', '')).to.deep.equal({ ok: true, value: [] });
    expect(objects['readJson']!.called || objects['delete']!.called || objects['listJson']!.called).to.equal(false);
  });

  it('deletes the owners of Pods in the foreground, anything else in the background, with the uid as a precondition', async () => {
    objects['delete']!.resolves({});
    for (const [apiVersion, kind, policy] of [['apps/v1', 'StatefulSet', 'Foreground'], ['batch/v1', 'Job', 'Foreground'], ['apps/v1', 'Deployment', 'Foreground'],
      ['v1', 'PersistentVolumeClaim', 'Background'], ['example.com/v1', 'Widget', 'Background']] as const) {
      objects['delete']!.resetHistory();
      expect(await api.delete({ apiVersion, kind, namespace: 'api-ns', name: 'x', uid: 'u-1' })).to.deep.equal({ ok: true, value: 'deleted' });
      const args = objects['delete']!.firstCall.args;
      expect(args[0], kind).to.deep.equal({ apiVersion, kind, metadata: { name: 'x', namespace: 'api-ns' } });
      expect([args[5], args[6]], kind).to.deep.equal([policy, { preconditions: { uid: 'u-1' } }]);
    }
  });

  it('answers absent for a delete whose uid precondition fails: the object under the name is not ours', async () => {
    objects['delete']!.rejects(new ApiException(409, 'Unknown API Status Code!', '{"kind":"Status","reason":"Conflict"}', {}));
    expect(await api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'api-ns', name: 'login', uid: 'u-1' })).to.deep.equal({ ok: true, value: 'absent' });
  });

  it('gives list items the kind and apiVersion the API leaves off, sorted by name', async () => {
    objects['listJson']!.resolves({ items: [{ metadata: { name: 'b' } }, { metadata: { name: 'a' } }] });
    const result = await api.list({ apiVersion: 'v1', kind: 'Secret' }, 'api-ns', ' team=a ');
    const args = objects['listJson']!.firstCall.args;
    expect(args).to.deep.equal(['v1', 'Secret', 'api-ns', 'team=a']);
    expect(result).to.deep.equal({ ok: true, value: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' } }] });
  });

  it('reads an object the server does not have as undefined', async () => {
    objects['readJson']!.rejects(new ApiException(404, 'Unknown API Status Code!', '{"kind":"Status","reason":"NotFound"}', {}));
    expect(await api.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'api-ns', name: 'nope' })).to.deep.equal({ ok: true, value: undefined });
  });
});
