/**
 * The consumer's own kubeconfig, found the way kubectl finds it: --kubeconfig,
 * else every file in KUBECONFIG (first definition and first current-context
 * win), else ~/.kube/config. Having none is normal (a consumer may pass -n
 * and never write a Secret), so absence is not an error; a file that cannot
 * be read is reported, and only matters once something needs the config.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface LoadedKubeConfig {
  readonly config?: KubeConfig;
  /** Why there is no config, when that is worth telling (an unreadable or missing named file). */
  readonly problem?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function candidatePaths(explicit: string | undefined, env: Env): string[] {
  if (explicit !== undefined) return [explicit];
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '') return list.split(delimiter).filter((path) => path !== '');
  const home = env['HOME'] ?? env['USERPROFILE'];
  return home !== undefined && home !== '' ? [join(home, '.kube', 'config')] : [];
}

/** kubectl's merge rule: the first file to define a name (or the current context) wins. */
function merge(configs: readonly KubeConfig[]): KubeConfig {
  const firstByName = <T extends { name: string }>(items: readonly T[]): T[] =>
    items.filter((item, index) => items.findIndex((other) => other.name === item.name) === index);
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName(configs.flatMap((config) => config.getClusters())),
    users: firstByName(configs.flatMap((config) => config.getUsers())),
    contexts: firstByName(configs.flatMap((config) => config.getContexts())),
    currentContext: configs.map((config) => config.getCurrentContext()).find((name) => name !== undefined && name !== '') ?? '',
  });
  return merged;
}

export function loadKubeConfig(explicit: string | undefined, env: Env): LoadedKubeConfig {
  const present = candidatePaths(explicit, env).filter((path) => existsSync(path));
  if (explicit !== undefined && present.length === 0) return { problem: `kubeconfig ${explicit} does not exist` };
  if (present.length === 0) return {};
  const configs: KubeConfig[] = [];
  for (const path of present) {
    const config = new KubeConfig();
    try {
      config.loadFromFile(path);
    } catch (error) {
      return { problem: `cannot read kubeconfig ${path}: ${(error as Error).message}` };
    }
    configs.push(config);
  }
  return { config: configs.length === 1 ? configs[0]! : merge(configs) };
}

/** The namespace of the current context, when it names one. */
export function currentNamespace(config: KubeConfig | undefined): string | undefined {
  const namespace = config?.getContextObject(config.getCurrentContext())?.namespace;
  return namespace === undefined || namespace === '' ? undefined : namespace;
}

/** The user the current context names (its kubeconfig entry name; the best a client knows offline). */
export function currentUser(config: KubeConfig | undefined): string | undefined {
  const user = config?.getContextObject(config.getCurrentContext())?.user;
  return user === undefined || user === '' ? undefined : user;
}

/** The cluster the current context names (its kubeconfig entry name). */
export function currentCluster(config: KubeConfig | undefined): string | undefined {
  const cluster = config?.getContextObject(config.getCurrentContext())?.cluster;
  return cluster === undefined || cluster === '' ? undefined : cluster;
}
