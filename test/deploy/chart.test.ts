/**
 * The Helm chart, rendered by a real `helm` (built from its Go module):
 * what the Deployment runs and how, RBAC limited to named namespaces and
 * the verbs the broker uses, and deploy/manifests/ and the Service Catalog
 * examples kept in step with it. chart-apiserver.test.ts sends the same
 * objects to a real kube-apiserver.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BROKER_FLAGS } from '../../src/main/options.js';
import { buildHelm, helmPrerequisite, helmTemplate, MESITIS_CHART_DIR, parseManifests, type KubernetesManifest } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { PLAIN_MANIFESTS_FILE, renderPlainManifests } from '../helm/render-manifests.js';
import { DEFAULT_TARGET_KINDS, expand, INSTANCE_SECRET_NAMESPACE_PERMISSIONS, one, only, PROVIDER_NAMESPACE_PERMISSIONS, PROVIDER_NAMESPACE_PERMISSIONS_WITH_REDIS, TARGET_NAMESPACE_PERMISSIONS, targetNamespacePermissions, type PolicyRule } from './chart-expectations.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NS = 'provider-ns';
const FULL_VALUES = {
  replicaCount: 2,
  targetNamespaces: ['api-ns', 'batch-ns', 'api-ns'],
  redis: { url: 'redis://redis.provider-ns.svc.cluster.local:6379', password: 'example-redis-password', tls: true, db: 3, prefix: 'team-a:' },
  credentials: { token: 'example-bearer-token' },
  vault: { address: 'https://vault.example.com:8200', namespace: 'team-a', caConfigMap: 'vault-ca', auth: { role: 'mesitis-broker', audience: 'vault.example.com' } },
};

type Container = {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: { cpu?: string; memory?: string } };
  securityContext: Record<string, unknown>;
};
type PodSpec = { serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[] };

const podSpec = (objects: KubernetesManifest[]): PodSpec =>
  (one(objects, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const container = (objects: KubernetesManifest[]): Container => podSpec(objects).containers[0]!;
const env = (objects: KubernetesManifest[], name: string) => container(objects).env.find((e) => e.name === name);
const rules = (role: KubernetesManifest): PolicyRule[] => role['rules'] as PolicyRule[];

describe('Helm chart (deploy/helm/mesitis)', function () {
  let defaults: KubernetesManifest[];
  let full: KubernetesManifest[];

  before(async function () {
    requireOrSkip(this, 'Helm chart tests', helmPrerequisite());
    this.timeout(20 * 60_000); // a cold build of helm takes minutes
    await buildHelm();
    [defaults, full] = await Promise.all([
      helmTemplate(MESITIS_CHART_DIR, { namespace: NS }),
      helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: FULL_VALUES }),
    ]);
  });

  describe('the Deployment', function () {
    it('runs `mesitis serve` with flags and environment variables the broker knows', async function () {
      const options = (await Promise.all(['options.ts', 'vault-options.ts'].map((file) => readFile(join(REPO, 'src/main', file), 'utf8')))).join('\n');
      for (const objects of [defaults, full]) {
        const { args, env: vars } = container(objects);
        expect(args[0]).to.equal('serve');
        for (const flag of args.slice(1)) expect(BROKER_FLAGS).to.have.property(/^--([\w-]+)/.exec(flag)?.[1] ?? flag);
        for (const { name } of vars) expect(options, `${name} is not read by src/main/options.ts`).to.include(`'${name}'`);
      }
    });

    it('probes /healthz for liveness and /readyz for readiness on the port it listens on', function () {
      const c = container(defaults);
      expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'http' });
      expect(c.ports).to.deep.equal([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(env(defaults, 'PORT')?.value).to.equal('8080');
    });

    it('requests resources', function () {
      expect(container(defaults).resources.requests).to.have.all.keys('cpu', 'memory');
    });

    it('runs as a non-root user on a read-only root filesystem, without privileges', function () {
      const pod = podSpec(defaults);
      expect(pod.securityContext).to.include({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container(defaults).securityContext).to.deep.include({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    });

    it('takes its namespace from the pod and its credentials from the chart Secret', function () {
      expect(env(defaults, 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.namespace');
      const secret = only(defaults, 'Secret').find((s) => s.metadata.name.endsWith('-credentials'))!;
      const data = secret['data'] as Record<string, string>;
      expect(Buffer.from(data['username']!, 'base64').toString()).to.equal('mesitis');
      expect(Buffer.from(data['password']!, 'base64').toString()).to.match(/^[A-Za-z0-9]{32}$/);
      for (const [name, key] of [['MESITIS_USERNAME', 'username'], ['MESITIS_PASSWORD', 'password'], ['MESITIS_BEARER_TOKEN', 'token']] as const) {
        expect(env(defaults, name)?.valueFrom?.secretKeyRef).to.include({ name: secret.metadata.name, key });
      }
      expect(container(defaults).env.map((e) => e.name)).not.to.include('MESITIS_REDIS_URL');
    });

    it('passes the Redis settings, the password from a Secret', function () {
      expect(env(full, 'MESITIS_REDIS_URL')?.value).to.equal(FULL_VALUES.redis.url);
      expect(env(full, 'MESITIS_REDIS_TLS')?.value).to.equal('true');
      expect(env(full, 'MESITIS_REDIS_DB')?.value).to.equal('3');
      expect(env(full, 'MESITIS_REDIS_PREFIX')?.value).to.equal('team-a:');
      const ref = env(full, 'MESITIS_REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
      const secret = only(full, 'Secret').find((s) => s.metadata.name === ref?.name);
      const data = secret?.['data'] as Record<string, string> | undefined;
      expect(Buffer.from(data?.[ref!.key] ?? '', 'base64').toString()).to.equal(FULL_VALUES.redis.password);
      expect(JSON.stringify(container(full).env)).not.to.include(FULL_VALUES.redis.password);
    });

    it('uses no Vault by default; given an address, passes it, its CA and namespace, and a projected token with the audience asked', async function () {
      expect(container(defaults).env.map((e) => e.name).filter((name) => name.startsWith('MESITIS_VAULT_'))).to.deep.equal([]);
      const value = (name: string) => env(full, name)?.value;
      expect([value('MESITIS_VAULT_ADDR'), value('MESITIS_VAULT_AUTH'), value('MESITIS_VAULT_ROLE'), value('MESITIS_VAULT_NAMESPACE')])
        .to.deep.equal(['https://vault.example.com:8200', 'kubernetes', 'mesitis-broker', 'team-a']);
      type Volume = { name: string; projected?: { sources: { serviceAccountToken: Record<string, unknown> }[] }; secret?: { secretName: string }; configMap?: { name: string } };
      type Mount = { name: string; mountPath: string };
      const pod = (objects: KubernetesManifest[]) => podSpec(objects) as unknown as { volumes: Volume[]; containers: { volumeMounts: Mount[] }[] };
      const mountOf = (objects: KubernetesManifest[], name: string) => pod(objects).containers[0]!.volumeMounts.find((mount) => mount.name === name)?.mountPath;
      const token = pod(full).volumes.find((volume) => volume.name === 'vault-token');
      expect(token?.projected?.sources[0]?.serviceAccountToken).to.deep.equal({ path: 'token', audience: 'vault.example.com', expirationSeconds: 3600 });
      expect(`${mountOf(full, 'vault-token')}/token`).to.equal(value('MESITIS_VAULT_TOKEN_FILE'));
      expect(pod(full).volumes.find((volume) => volume.name === 'vault-ca')?.configMap?.name).to.equal('vault-ca');
      expect(value('MESITIS_VAULT_CACERT')).to.equal(`${mountOf(full, 'vault-ca')}/ca.crt`);

      const withToken = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { vault: { address: 'http://vault:8200', auth: { method: 'token', tokenSecret: 'vault-token' } } } });
      expect(pod(withToken).volumes.find((volume) => volume.name === 'vault-token')?.secret?.secretName).to.equal('vault-token');
      expect(env(withToken, 'MESITIS_VAULT_AUTH')?.value).to.equal('token');
      expect(env(withToken, 'MESITIS_VAULT_ROLE')).to.equal(undefined);
    });

    it('is reached through a Service selecting its pods', function () {
      const service = one(defaults, 'Service') as unknown as { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
      const podLabels = (one(defaults, 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
      expect(podLabels).to.include(service.spec.selector);
      expect(service.spec.ports[0]!.targetPort).to.equal('http');
    });
  });

  describe('RBAC', function () {
    it('is namespaced only: no ClusterRole or ClusterRoleBinding, every object in a named namespace', function () {
      for (const objects of [defaults, full]) {
        expect(objects.map((o) => o.kind)).not.to.include.oneOf(['ClusterRole', 'ClusterRoleBinding']);
        for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).to.be.a('string').and.not.equal('');
      }
    });

    it('grants exactly the verbs the broker uses, in the provider namespace and each target namespace', function () {
      expect(only(defaults, 'Role').map((r) => r.metadata.namespace)).to.have.members([NS, 'api-ns']);
      expect(only(full, 'Role').map((r) => r.metadata.namespace)).to.have.members([NS, 'api-ns', 'batch-ns']);
      expect(expand(rules(one(defaults, 'Role', NS)))).to.deep.equal(PROVIDER_NAMESPACE_PERMISSIONS);
      expect(expand(rules(one(full, 'Role', NS)))).to.deep.equal(PROVIDER_NAMESPACE_PERMISSIONS_WITH_REDIS);
      for (const objects of [defaults, full]) {
        for (const role of only(objects, 'Role').filter((r) => r.metadata.namespace !== NS)) {
          expect(expand(rules(role)), `Role in ${role.metadata.namespace}`).to.deep.equal(TARGET_NAMESPACE_PERMISSIONS);
        }
      }
    });

    it('grants create, get, list, delete and patch on exactly the targetKinds, and get on Secrets whatever they list', async function () {
      const kinds = [
        { apiGroup: 'apps', resources: ['statefulsets', 'deployments'] },
        { apiGroup: '', resources: ['persistentvolumeclaims', 'services'] },
        { apiGroup: 'batch', resources: ['jobs'] },
        { apiGroup: 'networking.k8s.io', resources: ['networkpolicies'] },
        { apiGroup: 'postgresql.cnpg.io', resources: ['clusters'] },
      ];
      const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { targetNamespaces: ['api-ns', 'db-ns'], targetKinds: kinds } });
      for (const namespace of ['api-ns', 'db-ns']) {
        expect(expand(rules(one(objects, 'Role', namespace))), namespace).to.deep.equal(targetNamespacePermissions(kinds));
      }
      expect(expand(rules(one(objects, 'Role', NS)))).to.deep.equal(PROVIDER_NAMESPACE_PERMISSIONS);
      const none = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { targetKinds: [] } });
      expect(expand(rules(one(none, 'Role', 'api-ns')))).to.deep.equal(['/secrets:get']);
    });

    it('grants helm\'s release storage (Secrets: create, get, list, update, patch, delete) in each target namespace with helmReleases, and nothing more', async function () {
      const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { targetNamespaces: ['api-ns', 'db-ns'], helmReleases: true } });
      for (const namespace of ['api-ns', 'db-ns']) {
        expect(expand(rules(one(objects, 'Role', namespace))), namespace).to.deep.equal(targetNamespacePermissions(DEFAULT_TARGET_KINDS, { helmReleases: true }));
      }
      expect(targetNamespacePermissions(DEFAULT_TARGET_KINDS, { helmReleases: true })).to.include('/secrets:update').and.not.include('/secrets:watch');
      expect(expand(rules(one(objects, 'Role', NS)))).to.deep.equal(PROVIDER_NAMESPACE_PERMISSIONS);
      const none = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { targetKinds: [], helmReleases: true } });
      expect(expand(rules(one(none, 'Role', 'api-ns')))).to.deep.equal(['/secrets:create', '/secrets:delete', '/secrets:get', '/secrets:list', '/secrets:patch', '/secrets:update']);
      expect(expand(rules(one(defaults, 'Role', 'api-ns'))), 'off by default').not.to.include('/secrets:update');
    });

    it('grants only get on Secrets in rbac.instanceSecretNamespaces, nothing more where a target Role already allows it', async function () {
      const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { rbac: { instanceSecretNamespaces: ['operator-ns', 'api-ns', 'operator-ns'] } } });
      expect(only(objects, 'Role').map((r) => r.metadata.namespace)).to.have.members([NS, 'api-ns', 'operator-ns']);
      expect(expand(rules(one(objects, 'Role', 'operator-ns')))).to.deep.equal(INSTANCE_SECRET_NAMESPACE_PERMISSIONS);
      expect(expand(rules(one(objects, 'Role', 'api-ns')))).to.deep.equal(TARGET_NAMESPACE_PERMISSIONS);
      const binding = one(objects, 'RoleBinding', 'operator-ns');
      expect((binding['roleRef'] as { name: string }).name).to.equal(one(objects, 'Role', 'operator-ns').metadata.name);
      expect(only(defaults, 'Role').map((r) => r.metadata.namespace)).to.not.include('operator-ns');
    });

    it('binds each Role, in its own namespace, to the chart ServiceAccount only', function () {
      for (const objects of [defaults, full]) {
        const account = one(objects, 'ServiceAccount');
        const roles = only(objects, 'Role');
        const bindings = only(objects, 'RoleBinding');
        expect(bindings).to.have.length(roles.length);
        for (const binding of bindings) {
          expect(binding['subjects']).to.deep.equal([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: NS }]);
          const ref = binding['roleRef'] as { kind: string; name: string };
          expect(ref.kind).to.equal('Role');
          expect(roles.some((r) => r.metadata.name === ref.name && r.metadata.namespace === binding.metadata.namespace)).to.equal(true);
        }
        expect(podSpec(objects).serviceAccountName).to.equal(account.metadata.name);
      }
    });
  });

  describe('values it refuses', function () {
    const refusal = (values: Record<string, unknown>) =>
      helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values }).then(
        () => expect.fail('rendered'),
        (err: Error) => err.message,
      );

    it('the provider namespace as a target namespace (its Secrets would become writable)', async function () {
      expect(await refusal({ targetNamespaces: ['api-ns', NS] })).to.include('must not contain the release namespace');
    });

    it('targetKinds with wildcards, subresources, no apiGroup or no resources (the Role would grant more than listed, or nothing)', async function () {
      expect(await refusal({ targetKinds: [{ apiGroup: '*', resources: ['widgets'] }] })).to.include('targetKinds[0].apiGroup "*" is not an API group');
      expect(await refusal({ targetKinds: [{ apiGroup: 'apps', resources: ['deployments', '*'] }] })).to.include('targetKinds[0].resources: "*" is not a resource name');
      expect(await refusal({ targetKinds: [{ apiGroup: 'apps', resources: ['deployments/scale'] }] })).to.include('is not a resource name');
      expect(await refusal({ targetKinds: [{ resources: ['pods'] }] })).to.include('targetKinds[0].apiGroup is required');
      expect(await refusal({ targetKinds: [{ apiGroup: '', resources: ['pods'] }, { apiGroup: 'apps', resources: [] }] })).to.include('targetKinds[1].resources must list at least one resource');
    });

    it('a Vault address without what its login needs, or with an unknown login method (the broker would refuse to start)', async function () {
      expect(await refusal({ vault: { address: 'http://vault:8200' } })).to.include('vault.auth.role is required');
      expect(await refusal({ vault: { address: 'http://vault:8200', auth: { method: 'token' } } })).to.include('vault.auth.tokenSecret is required');
      expect(await refusal({ vault: { address: 'http://vault:8200', auth: { method: 'approle' } } })).to.include('vault.auth.method must be kubernetes or token');
    });
  });

  it('runs several replicas on state in the provider namespace, no Redis needed', async function () {
    const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values: { replicaCount: 3 } });
    expect((one(objects, 'Deployment') as unknown as { spec: { replicas: number } }).spec.replicas).to.equal(3);
    expect(env(objects, 'MESITIS_REDIS_URL')).to.equal(undefined);
    expect(expand(rules(one(objects, 'Role', NS)))).to.deep.equal(PROVIDER_NAMESPACE_PERMISSIONS);
  });

  it('creates no Secret when given an existing one, and uses that', async function () {
    const values = { credentials: { existingSecret: 'team-osb-credentials' }, generationKey: { existingSecret: 'team-generation-key' } };
    const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values });
    expect(only(objects, 'Secret')).to.deep.equal([]);
    expect(env(objects, 'MESITIS_PASSWORD')?.valueFrom?.secretKeyRef?.name).to.equal('team-osb-credentials');
    expect(env(objects, 'MESITIS_GENERATION_KEY_SECRET')?.value).to.equal('team-generation-key');
  });

  it('creates the generation key Secret with a random key of 64 characters, and tells the broker its name', function () {
    const keySecret = only(defaults, 'Secret').find((s) => s.metadata.name.endsWith('-generation-key'));
    expect(keySecret?.metadata.namespace).to.equal(NS);
    expect(Buffer.from((keySecret?.['data'] as Record<string, string>)['key']!, 'base64').toString()).to.match(/^[A-Za-z0-9]{64}$/);
    expect(env(defaults, 'MESITIS_GENERATION_KEY_SECRET')?.value).to.equal(keySecret?.metadata.name);
  });

  it('deploy/manifests/ is the chart rendered now (regenerate: npx tsx test/helm/render-manifests.ts)', async function () {
    expect(await readdir(join(REPO, 'deploy/manifests'))).to.deep.equal(['mesitis.yaml']);
    const committed = await readFile(PLAIN_MANIFESTS_FILE, 'utf8');
    expect(committed === (await renderPlainManifests()), 'deploy/manifests/mesitis.yaml is stale').to.equal(true);
  });

  it('the Service Catalog registrations point at the rendered Service and credentials Secret', async function () {
    const plain = parseManifests(await readFile(PLAIN_MANIFESTS_FILE, 'utf8'));
    const service = one(plain, 'Service');
    const host = `http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
    const secretName = env(plain, 'MESITIS_PASSWORD')?.valueFrom?.secretKeyRef?.name;
    const dir = join(REPO, 'deploy/service-catalog');
    const registrations = (await Promise.all((await readdir(dir)).map(async (f) => parseManifests(await readFile(join(dir, f), 'utf8'))))).flat();
    expect(registrations.map((r) => r.kind)).to.have.members(['ClusterServiceBroker', 'ServiceBroker']);
    for (const broker of registrations) {
      const spec = broker['spec'] as { url: string; authInfo: { basic: { secretRef: { name: string; namespace?: string } } } };
      expect(broker.apiVersion).to.equal('servicecatalog.k8s.io/v1beta1');
      expect(spec.authInfo.basic.secretRef.name).to.equal(secretName);
      if (broker.kind === 'ClusterServiceBroker') {
        expect(spec.url).to.equal(host);
        expect(spec.authInfo.basic.secretRef.namespace).to.equal(service.metadata.namespace);
      } else {
        expect(spec.url).to.equal(`${host}/namespaces/${broker.metadata.namespace}`);
      }
    }
  });
});
