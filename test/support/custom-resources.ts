/**
 * CustomResourceDefinitions on the test cluster, as a provider installing an
 * operator would add them: created as the admin, usable once Established
 * and listed by discovery (the apiserver publishes a new group version a
 * moment after Established). Nothing runs an operator here: a test that
 * needs a custom resource's status writes it, saying so.
 */
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { waitUntil, waitUntilGone } from './real-cluster.js';

const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

interface CrdSpec {
  group: string;
  names: { kind: string };
  versions: { name: string; served: boolean }[];
}

const specOf = (crd: KubeObject): CrdSpec => crd['spec'] as CrdSpec;

/**
 * Sends JSON as it is. client-node's typed serializer would rewrite a CRD
 * through its model and drop the fields whose wire names differ from the
 * model's (`x-kubernetes-preserve-unknown-fields`), and the apiserver would
 * then prune every field of the custom resources.
 */
export async function sendRaw(config: KubeConfig, method: 'POST' | 'PATCH', path: string, body: unknown, contentType = 'application/json'): Promise<unknown> {
  const url = new URL(path, config.getCurrentCluster()!.server);
  const payload = JSON.stringify(body);
  const options: https.RequestOptions = {
    hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method,
    headers: { 'Content-Type': contentType, Accept: 'application/json', 'Content-Length': Buffer.byteLength(payload) },
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const request = https.request(options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(JSON.parse(text) as unknown);
        else reject(Object.assign(new Error(`${method} ${path}: HTTP ${status}: ${text.slice(0, 500)}`), { code: status }));
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Creates the CRD and resolves once it is Established and discovery serves each served version's kind. */
export async function defineCrd(adminConfig: KubeConfig, admin: KubernetesApis, crd: KubeObject, timeoutMs = 30_000): Promise<void> {
  await sendRaw(adminConfig, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const header = { apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name } };
  await waitUntil(
    `CRD ${crd.metadata.name} to be Established`,
    () => admin.objects.read(header) as Promise<{ status?: { conditions?: { type: string; status: string }[] } }>,
    (read) => (read.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
    { timeoutMs },
  );
  const spec = specOf(crd);
  for (const version of spec.versions.filter((v) => v.served)) {
    const groupVersion = `${spec.group}/${version.name}`;
    await waitUntil(
      `discovery to list ${spec.names.kind} in ${groupVersion}`,
      () => admin.objects.resourcesOf(groupVersion),
      (list) => (list?.resources ?? []).some((r) => r.kind === spec.names.kind),
      { timeoutMs },
    );
  }
}

/** Deletes the CRD (and with it its objects); waits until it is gone when asked. */
export async function deleteCrd(admin: KubernetesApis, name: string, { wait = false } = {}): Promise<void> {
  const header = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name } };
  try {
    await admin.objects.delete(header);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (wait) await waitUntilGone(`CRD ${name}`, () => admin.objects.read(header));
}
