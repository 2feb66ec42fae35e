/** What the ClusterApi adapter adds around the typed clients: refusals before any request, and errors that carry no body. */
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
  let core: Record<string, sinon.SinonStub>;
  let logger: RecordingLogger;
  let api: KubernetesClusterApi;

  beforeEach(() => {
    core = { createNamespacedSecret: sinon.stub(), readNamespacedSecret: sinon.stub(), listNamespacedSecret: sinon.stub() };
    logger = new RecordingLogger();
    api = new KubernetesClusterApi({ core, apps: {} } as unknown as KubernetesApis, logger);
  });

  it('keeps an echoed Secret value out of the result and the log', async () => {
    const body = JSON.stringify({
      kind: 'Status', code: 500, reason: 'InternalError',
      message: `Secret "login" failed: stringData.password: "${SECRET}"`, details: { causes: [{ message: SECRET }] },
    });
    core['createNamespacedSecret']!.rejects(new ApiException(500, 'Unknown API Status Code!', body, { 'x-debug': SECRET }));
    const result = await api.create(secret());
    expect(result.ok).to.equal(false);
    expect(JSON.stringify(result)).to.not.contain(SECRET);
    expect(JSON.stringify(logger.lines)).to.not.contain(SECRET);
    expect(logger.lines[0]?.fields).to.deep.include({ kind: 'Unavailable', status: 500, reason: 'InternalError' });
  });

  it('refuses what a server would refuse confusingly, without a request', async () => {
    expect(await api.create(secret({ resourceVersion: '12' }))).to.deep.include({ ok: false });
    expect(await api.create(secret({ namespace: undefined }))).to.deep.include({ ok: false });
    expect(await api.create({ ...secret(), kind: 'Ingress' })).to.deep.include({ ok: false });
    expect(core['createNamespacedSecret']!.called).to.equal(false);
  });

  it('gives list items the kind and apiVersion the API leaves off, sorted by name', async () => {
    core['listNamespacedSecret']!.resolves({ items: [{ metadata: { name: 'b' } }, { metadata: { name: 'a' } }] });
    const result = await api.list('Secret', 'api-ns', ' team=a ');
    expect(core['listNamespacedSecret']!.firstCall.args[0]).to.deep.equal({ namespace: 'api-ns', labelSelector: 'team=a' });
    expect(result).to.deep.equal({ ok: true, value: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' } }] });
  });

  it('reads an object the server does not have as undefined', async () => {
    core['readNamespacedSecret']!.rejects(new ApiException(404, 'Unknown API Status Code!', '{"kind":"Status","reason":"NotFound"}', {}));
    expect(await api.get({ kind: 'Secret', namespace: 'api-ns', name: 'nope' })).to.deep.equal({ ok: true, value: undefined });
  });
});
