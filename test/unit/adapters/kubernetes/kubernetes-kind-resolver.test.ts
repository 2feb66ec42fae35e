/**
 * The discovery cache on a stubbed apiserver: what it serves before and
 * after discovery, when it asks again (every refreshMs; on a miss at most
 * once per missRefreshMs), whom it tells (only on a change), and what it
 * keeps when discovery fails.
 */
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import sinon from 'sinon';
import type { KubernetesApis } from '../../../../src/adapters/kubernetes/api-clients.js';
import { KubernetesKindResolver, type KindResolverOptions } from '../../../../src/adapters/kubernetes/kubernetes-kind-resolver.js';
import { RecordingLogger } from '../../application/fakes.js';

interface Resource { name: string; kind: string; namespaced: boolean }

/** What the stub apiserver serves, by group version; 'fail' makes that group version's GET fail. */
type Served = Record<string, Resource[] | 'fail'>;

const CORE: Resource[] = [
  { name: 'pods', kind: 'Pod', namespaced: true },
  { name: 'pods/status', kind: 'Pod', namespaced: true },
  { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { name: 'namespaces', kind: 'Namespace', namespaced: false },
];
const APPS: Resource[] = [{ name: 'statefulsets', kind: 'StatefulSet', namespaced: true }, { name: 'statefulsets/scale', kind: 'Scale', namespaced: true }];
const CNPG: Resource[] = [{ name: 'clusters', kind: 'Cluster', namespaced: true }, { name: 'clusters/status', kind: 'Cluster', namespaced: true }];
const METRICS: Resource[] = [{ name: 'pods', kind: 'PodMetrics', namespaced: true }];
const TENANCY: Resource[] = [{ name: 'tenants', kind: 'Tenant', namespaced: false }];

const unavailable = () => new ApiException(503, 'Service Unavailable', '{"kind":"Status","code":503,"reason":"ServiceUnavailable"}', {});

describe('adapters/kubernetes/kubernetes-kind-resolver', () => {
  let served: Served;
  let failAll: boolean;
  let clock: number;
  let logger: RecordingLogger;
  let getAPIVersions: sinon.SinonSpy;
  let resourcesOf: sinon.SinonSpy;
  const resolvers: KubernetesKindResolver[] = [];

  const discoveries = () => getAPIVersions.callCount;
  /** Lets a background discovery (started by a miss or the timer) finish. */
  const settle = async () => { for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve)); };

  function resolver(options: KindResolverOptions = {}): KubernetesKindResolver {
    const apis = {
      core: {},
      groups: {
        getAPIVersions: (getAPIVersions = sinon.spy(async () => {
          if (failAll) throw unavailable();
          const groupVersions = Object.keys(served).filter((gv) => gv !== 'v1');
          return { groups: groupVersions.map((groupVersion) => ({ name: groupVersion.split('/')[0], versions: [{ groupVersion, version: groupVersion.split('/')[1] }] })) };
        })),
      },
      objects: {
        resourcesOf: (resourcesOf = sinon.spy(async (groupVersion: string) => {
          const resources = served[groupVersion];
          if (resources === 'fail') throw unavailable();
          return resources === undefined ? undefined : { groupVersion, resources };
        })),
      },
    } as unknown as Pick<KubernetesApis, 'core' | 'groups' | 'objects'>;
    const made = new KubernetesKindResolver(apis, logger, { refreshMs: 60_000, missRefreshMs: 10_000, now: () => clock, ...options });
    resolvers.push(made);
    return made;
  }

  beforeEach(() => {
    served = { v1: CORE, 'apps/v1': APPS };
    failAll = false;
    clock = 1_000_000;
    logger = new RecordingLogger();
  });

  afterEach(async () => {
    for (const made of resolvers.splice(0)) await made.stop();
    sinon.restore();
  });

  it('assumes the built-in kinds before discovery has answered, custom kinds unknown', () => {
    failAll = true;
    const kinds = resolver();
    expect(kinds.lookup('apps/v1', 'StatefulSet')).to.equal('namespaced');
    expect(kinds.lookup('v1', 'PersistentVolume')).to.equal('cluster');
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('unknown');
    expect(kinds.revision()).to.equal(0);
  });

  it('serves what discovery lists after start: custom kinds with their scope, subresources left out', async () => {
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG, 'tenancy.example.com/v1': TENANCY };
    const kinds = resolver();
    await kinds.start();
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');
    expect(kinds.lookup('tenancy.example.com/v1', 'Tenant')).to.equal('cluster');
    expect(kinds.lookup('v1', 'Namespace')).to.equal('cluster');
    // statefulsets/scale is a subresource whose kind (Scale) is no resource of apps/v1.
    expect(kinds.lookup('apps/v1', 'Scale')).to.equal('unknown');
    // Discovery is the authority once it answered: a built-in the cluster does not serve is unknown.
    expect(kinds.lookup('batch/v1', 'Job')).to.equal('unknown');
    expect(kinds.revision()).to.equal(1);
  });

  it('names each kind\'s resource (what RBAC and access reviews speak of): guessed for built-ins before discovery, discovered after', async () => {
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };
    const kinds = resolver();
    expect([kinds.resourceOf('apps/v1', 'StatefulSet'), kinds.resourceOf('networking.k8s.io/v1', 'NetworkPolicy'), kinds.resourceOf('v1', 'Endpoints')])
      .to.deep.equal(['statefulsets', 'networkpolicies', 'endpoints']);
    expect(kinds.resourceOf('postgresql.cnpg.io/v1', 'Cluster')).to.equal(undefined);
    await kinds.start();
    expect(kinds.resourceOf('postgresql.cnpg.io/v1', 'Cluster')).to.equal('clusters');
    expect(kinds.resourceOf('v1', 'ConfigMap')).to.equal('configmaps');
    expect(kinds.resourceOf('batch/v1', 'Job')).to.equal(undefined);
  });

  it('discovers again every refreshMs, and stops doing so after stop()', async () => {
    const timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const kinds = resolver({ refreshMs: 60_000 });
    await kinds.start();
    expect(discoveries()).to.equal(1);
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };
    await timers.tickAsync(59_999);
    expect(discoveries()).to.equal(1);
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('unknown');
    clock += 5_000; // within the miss rate limit: the miss above asked for nothing
    await timers.tickAsync(1);
    await settle();
    expect(discoveries()).to.equal(2);
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');
    await kinds.stop();
    await timers.tickAsync(600_000);
    expect(discoveries()).to.equal(2);
  });

  it('asks again on a miss, at most once per missRefreshMs, and finds a kind installed since', async () => {
    const kinds = resolver({ missRefreshMs: 10_000 });
    await kinds.start();
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };

    clock += 9_999;
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('unknown');
    await settle();
    expect(discoveries(), 'a miss within 10 s of the last discovery').to.equal(1);

    clock += 1;
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('unknown');
    // Many misses at once share one discovery.
    for (let i = 0; i < 100; i++) kinds.lookup('example.com/v1', `Missing${i}`);
    await settle();
    expect(discoveries()).to.equal(2);
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');

    // A kind nobody serves keeps missing, but asks no more than once per 10 s.
    for (let i = 0; i < 50; i++) {
      clock += 1_000;
      kinds.lookup('example.com/v1', 'NeverServed');
      await settle();
    }
    expect(discoveries()).to.equal(2 + 5);
    // Hits never ask.
    clock += 60_000;
    kinds.lookup('apps/v1', 'StatefulSet');
    kinds.lookup('v1', 'Namespace');
    await settle();
    expect(discoveries()).to.equal(7);
  });

  it('tells listeners only when the served kinds changed, and stops telling one that unsubscribed', async () => {
    const kinds = resolver();
    const heard: number[] = [];
    const unsubscribe = kinds.onChange(() => heard.push(kinds.revision()));
    await kinds.start();
    expect(heard).to.deep.equal([1]);
    await kinds.refresh();
    await kinds.refresh();
    expect(heard, 'the same answer again').to.deep.equal([1]);
    expect(kinds.revision()).to.equal(1);

    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };
    await kinds.refresh();
    expect(heard).to.deep.equal([1, 2]);
    // The same kinds in another order are no change.
    served = { 'postgresql.cnpg.io/v1': CNPG, 'apps/v1': [...APPS].reverse(), v1: [...CORE].reverse() };
    await kinds.refresh();
    expect(heard).to.deep.equal([1, 2]);

    unsubscribe();
    served = { v1: CORE, 'apps/v1': APPS };
    await kinds.refresh();
    expect(heard).to.deep.equal([1, 2]);
    expect(kinds.revision()).to.equal(3);
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('unknown');
  });

  it('keeps the last table when discovery fails, says so, and tells no listener', async () => {
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };
    const kinds = resolver();
    await kinds.start();
    const heard = sinon.spy();
    kinds.onChange(heard);

    failAll = true;
    await kinds.refresh();
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');
    expect(kinds.lookup('apps/v1', 'StatefulSet')).to.equal('namespaced');
    expect(kinds.revision()).to.equal(1);
    expect(heard.called).to.equal(false);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).to.deep.equal(['API discovery failed; keeping the kinds known so far']);

    // The core group failing alone is a failed discovery too: nothing is dropped.
    failAll = false;
    served = { ...served, v1: 'fail' };
    await kinds.refresh();
    expect(kinds.lookup('v1', 'ConfigMap')).to.equal('namespaced');
    expect(heard.called).to.equal(false);
  });

  it('a start whose discovery fails neither throws nor drops the built-in kinds, and the next success is a change', async () => {
    failAll = true;
    const kinds = resolver();
    await kinds.start();
    expect(kinds.lookup('apps/v1', 'StatefulSet')).to.equal('namespaced');
    failAll = false;
    served = { ...served, 'postgresql.cnpg.io/v1': CNPG };
    const heard = sinon.spy();
    kinds.onChange(heard);
    await kinds.refresh();
    expect(heard.calledOnce).to.equal(true);
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');
  });

  it('keeps what it knew of a group version that fails while reading the others (an aggregated API down)', async () => {
    served = { ...served, 'metrics.k8s.io/v1beta1': METRICS };
    const kinds = resolver();
    await kinds.start();
    expect(kinds.lookup('metrics.k8s.io/v1beta1', 'PodMetrics')).to.equal('namespaced');

    // metrics-server goes down, and meanwhile an operator installs its CRD.
    served = { ...served, 'metrics.k8s.io/v1beta1': 'fail', 'postgresql.cnpg.io/v1': CNPG };
    await kinds.refresh();
    expect(kinds.lookup('postgresql.cnpg.io/v1', 'Cluster')).to.equal('namespaced');
    expect(kinds.lookup('metrics.k8s.io/v1beta1', 'PodMetrics')).to.equal('namespaced');
    const warning = logger.lines.find((l) => l.level === 'warn');
    expect(warning?.fields['groupVersions']).to.deep.equal(['metrics.k8s.io/v1beta1']);
    expect(resourcesOf.calledWith('postgresql.cnpg.io/v1')).to.equal(true);
  });
});
