/**
 * Runs consumer verbs in-process against an in-process broker loaded from
 * examples/ (consumer namespace client-ns), capturing what they write.
 */
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { CliIo } from '../../src/adapters/cli/cli-io.js';
import type { ConsumerDeps } from '../../src/adapters/cli/consumer-verb.js';
import { startMemoryBroker, type MemoryBroker, type MemoryBrokerOptions } from '../support/memory-broker.js';

/** Ids from examples/catalog. */
export const EXAMPLE = {
  weatherPlan: 'weather-forecast-api-1',
  weatherPlanId: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e01',
  weatherV2Plan: 'weather-forecast-api-2',
  weatherPassword: 'example-password-1',
  apiService: 'api-api-service',
  apiPlan: 'api-api-service-1',
  apiServiceId: '0e4d7c1a-8b3f-4a52-9c6d-2f1e0a9b8c07',
  timePlan: 'platform-time-service-1',
  ownPostgresPlan: 'data-own-postgres-16',
} as const;

export async function exampleBroker(options: Omit<MemoryBrokerOptions, 'objects'> = {}): Promise<MemoryBroker> {
  const loaded = await loadManifests(['examples'], 'provider-ns');
  if (loaded.problems.length > 0) throw new Error(`examples/ does not load: ${JSON.stringify(loaded.problems)}`);
  return startMemoryBroker({ ...options, objects: loaded.objects });
}

export interface Captured {
  readonly io: CliIo;
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIo(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: { write: (text: string) => out.push(text) }, err: { write: (text: string) => err.push(text) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

type Verb = (args: string[], deps: ConsumerDeps) => Promise<number>;

/**
 * Runs a verb with the broker's URL in the environment and no HOME or
 * KUBECONFIG, so no kubeconfig of the machine running the tests leaks in.
 */
export async function run(verb: Verb, args: string[], broker: { url: string }, extra: Partial<Omit<ConsumerDeps, 'io'>> = {}): Promise<Ran> {
  const captured = captureIo();
  const code = await verb(args, { pollIntervalMs: 20, ...extra, env: { MESITIS_URL: broker.url, ...extra.env }, io: captured.io });
  return { code, out: captured.out(), err: captured.err() };
}
