/**
 * What the shared test cluster looked like when a test failed: Nodes that
 * are not Ready or carry taints, Pods that are not Ready, Deployments that
 * are not Available, and the controllers' latest error lines. Printed by
 * the root afterEach hook so that a failure in CI that does not happen
 * locally (a slow rollout, a starved simulated node) says why.
 */
import * as k8s from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestCluster } from './test-cluster.js';

const MAX_ITEMS = 15;
const LOG_LINES = 12;

export async function diagnoseCluster(cluster: TestCluster): Promise<string> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.adminKubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const lines: string[] = [];
  try {
    for (const node of (await core.listNode()).items) {
      const conditions = (node.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(' ');
      const taints = (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(' ') || 'none';
      lines.push(`node ${node.metadata?.name}: ${conditions}; taints ${taints}`);
    }
    const pods = (await core.listPodForAllNamespaces()).items.filter(
      (p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p.status?.phase !== 'Succeeded',
    );
    lines.push(`pods not Ready: ${pods.length}`);
    for (const pod of pods.slice(0, MAX_ITEMS)) {
      const reasons = (pod.status?.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}:${c.reason ?? ''}`);
      const deleting = pod.metadata?.deletionTimestamp ? ' deleting' : '';
      lines.push(`  ${pod.metadata?.namespace}/${pod.metadata?.name} ${pod.status?.phase} node=${pod.spec?.nodeName ?? '-'}${deleting} ${reasons.join(' ')}`);
    }
    const deployments = (await apps.listDeploymentForAllNamespaces()).items.filter(
      (d) => !d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'),
    );
    lines.push(`deployments not Available: ${deployments.length}`);
    for (const d of deployments.slice(0, MAX_ITEMS)) {
      const conditions = (d.status?.conditions ?? []).map((c) => `${c.type}=${c.status}(${c.reason ?? ''})`).join(' ');
      lines.push(`  ${d.metadata?.namespace}/${d.metadata?.name} replicas ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas} ${conditions}`);
    }
  } catch (error) {
    lines.push(`cluster API unreachable: ${(error as Error).message}`);
  }
  for (const component of ['kube-controller-manager', 'kube-scheduler']) {
    lines.push(`${component}.log, latest errors:`);
    lines.push(...(await latestErrors(join(cluster.dir, `${component}.log`))).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

/** klog error lines start with E and the date (E1128 08:10:42.123456 ...). */
async function latestErrors(path: string): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8');
    return text.split('\n').filter((l) => /^E\d{4} /.test(l)).slice(-LOG_LINES).map((l) => l.slice(0, 400));
  } catch {
    return ['(no log)'];
  }
}
