/**
 * `mesitis status INSTANCE_ID [--binding BINDING_ID]`: the instance's last
 * operation and, once it exists, what it was provisioned with, the
 * maintenance level it is at and whether its plan has a newer one; with
 * --binding, when that binding expires. Reporting a failed operation is not
 * itself a failure: the exit code is 0 whenever the broker answered. A
 * binding's credentials are never shown here (that is "mesitis bind").
 */
import { EXIT, failOsb } from './cli-io.js';
import { planNames } from './catalog-lookup.js';
import { runConsumerVerb, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { describeOsbFailure, type OsbFailure } from './osb-failure.js';
import type { Binding, CatalogDocument, CatalogPlan, FetchedInstance, LastOperation } from './osb-responses.js';
import { fields, printJson } from './output.js';

const parameterText = (parameters: Readonly<Record<string, unknown>>): string =>
  Object.entries(parameters).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ') || '(none)';

/** The instance's maintenance level beside its plan's, when the catalog gives the plan one. */
interface Upgrade {
  readonly available: boolean;
  readonly from?: string;
  readonly to: string;
}

function upgradeOf(catalog: CatalogDocument | undefined, instance: FetchedInstance): Upgrade | undefined {
  const plan = catalog?.services.find((s) => s.id === instance.service_id)?.plans.find((p) => p.id === instance.plan_id);
  const to = plan?.maintenance_info?.version;
  if (to === undefined) return undefined;
  const from = instance.maintenance_info?.version;
  return { available: from !== to, ...(from !== undefined ? { from } : {}), to };
}

/** A plan of the instance's own service at a higher offering version, which "mesitis upgrade --plan" may move it to. */
interface NewerPlan {
  readonly plan: string;
  readonly plan_id: string;
  readonly version: string;
}

/** major.minor.patch of a semantic version, ignoring pre-release and build metadata. */
const versionCore = (version: string): number[] => (version.split(/[-+]/)[0] ?? '').split('.').map((part) => Number.parseInt(part, 10) || 0);

function isNewer(candidate: string, current: string): boolean {
  const [a, b] = [versionCore(candidate), versionCore(current)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
}

/** The offering version a plan stands for (its entry's version, in the plan's metadata). */
const offeringVersion = (plan: CatalogPlan | undefined): string | undefined =>
  typeof plan?.metadata?.['version'] === 'string' ? plan.metadata['version'] : undefined;

/**
 * Plans of the same service at a higher offering version, when the catalog
 * says plans of this service may be changed. Whether the broker accepts a
 * particular move is its call (an entry lists what it can be updated from);
 * this only points at what is on offer.
 */
function newerPlansOf(catalog: CatalogDocument | undefined, instance: FetchedInstance): NewerPlan[] {
  const service = catalog?.services.find((s) => s.id === instance.service_id);
  const current = service?.plans.find((p) => p.id === instance.plan_id);
  const level = offeringVersion(current);
  if (service === undefined || level === undefined || !(current?.plan_updateable ?? service.plan_updateable ?? false)) return [];
  return service.plans.flatMap((p) => {
    const version = offeringVersion(p);
    return p.id !== instance.plan_id && version !== undefined && isNewer(version, level) ? [{ plan: p.name, plan_id: p.id, version }] : [];
  });
}

/** What a binding's status may show: its expiry and where it points, never its credentials. */
function bindingView(bindingId: string, binding: Binding) {
  const text = (key: string): string | null => {
    const value = binding.metadata?.[key];
    return typeof value === 'string' ? value : null;
  };
  return { binding_id: bindingId, expires_at: text('expires_at'), renew_before: text('renew_before'), ...(binding.endpoints ? { endpoints: binding.endpoints } : {}) };
}

function upgradeRow({ positionals, context }: VerbInvocation, upgrade: Upgrade): [string, string] {
  if (!upgrade.available) return ['UPGRADE', 'none: at the plan\'s newest maintenance level'];
  return ['UPGRADE', `upgrade available: ${upgrade.from ?? 'unknown'} -> ${upgrade.to} (run "mesitis upgrade ${positionals[0]!} -n ${context.namespace}")`];
}

/** Everything the status shows, gathered before anything is printed. */
interface Shown {
  readonly operation: LastOperation;
  /** Absent while a provision runs (GET instance answers 404 then), with why. */
  readonly details?: FetchedInstance;
  readonly detailsProblem?: OsbFailure;
  readonly names: { service?: string; plan?: string };
  readonly upgrade?: Upgrade;
  readonly newerPlans: readonly NewerPlan[];
  readonly binding?: ReturnType<typeof bindingView>;
}

function tableRows(invocation: VerbInvocation, { operation, details, detailsProblem, names, upgrade, newerPlans, binding }: Shown): [string, string][] {
  const rows: [string, string][] = [['INSTANCE', invocation.positionals[0]!], ['NAMESPACE', invocation.context.namespace], ['STATE', operation.state]];
  if (operation.description !== undefined) rows.push(['DESCRIPTION', operation.description]);
  if (details) {
    rows.push(['SERVICE', names.service ? `${names.service} (${details.service_id})` : details.service_id]);
    rows.push(['PLAN', names.plan ? `${names.plan} (${details.plan_id})` : details.plan_id]);
    rows.push(['PARAMETERS', parameterText(details.parameters ?? {})]);
    rows.push(['VERSION', details.maintenance_info?.version ?? 'unknown (the broker gives no maintenance level)']);
    if (upgrade) rows.push(upgradeRow(invocation, upgrade));
    const { positionals, context } = invocation;
    for (const newer of newerPlans) {
      rows.push(['NEWER PLAN', `${newer.plan} (version ${newer.version}): "mesitis upgrade ${positionals[0]!} --plan ${newer.plan} -n ${context.namespace}"`]);
    }
  } else if (detailsProblem) {
    rows.push(['DETAILS', `not available: ${describeOsbFailure(detailsProblem)}`]);
  }
  if (binding) {
    const renew = binding.renew_before ?? (binding.expires_at !== null ? 'not given: renew before it expires' : 'never');
    rows.push(['BINDING', binding.binding_id], ['EXPIRES', binding.expires_at ?? 'never'], ['RENEW BEFORE', renew]);
  }
  return rows;
}

export const statusVerb: ConsumerVerb = {
  syntax: { name: 'status', positionals: ['INSTANCE_ID'], flags: ['binding'] },
  help: `Usage: mesitis status INSTANCE_ID [--binding BINDING_ID] [flags]

Shows the state of the instance's last operation (in progress, succeeded,
failed) and, once provisioned, its service, plan, parameters and maintenance
level (VERSION), with "upgrade available" when its plan has a newer level
("mesitis upgrade" applies it), and the plans of its service at a higher
version it may be moved to ("mesitis upgrade --plan").

Flags:
  --binding BINDING_ID   also show when that binding expires and from when to
                         renew it ("never" when it does not); no credentials`,

  async run(invocation) {
    const { verb, positionals, values, client, context, output, io } = invocation;
    const instanceId = positionals[0]!;
    const last = await client.lastOperation(instanceId);
    if (!last.ok) return failOsb(io, verb, last.error);
    const instance = await client.fetchInstance(instanceId);
    const catalog = instance.ok ? await client.catalog() : undefined;
    const details = instance.ok ? instance.value.body : undefined;
    const document = catalog?.ok ? catalog.value.body : undefined;
    const upgrade = details ? upgradeOf(document, details) : undefined;
    const bindingId = values.binding;
    const fetched = bindingId !== undefined ? await client.fetchBinding(instanceId, bindingId) : undefined;
    if (fetched !== undefined && !fetched.ok) return failOsb(io, verb, fetched.error, `cannot fetch binding ${bindingId}`);
    const shown: Shown = {
      operation: last.value.body,
      names: details && document ? planNames(document, { serviceId: details.service_id, planId: details.plan_id }) : {},
      ...(details ? { details } : {}), ...(!instance.ok ? { detailsProblem: instance.error } : {}),
      ...(upgrade ? { upgrade } : {}),
      newerPlans: details ? newerPlansOf(document, details) : [],
      ...(bindingId !== undefined && fetched?.ok ? { binding: bindingView(bindingId, fetched.value.body) } : {}),
    };
    if (output === 'json') {
      printJson(io, {
        instance_id: instanceId, namespace: context.namespace, last_operation: shown.operation,
        instance: details ? { ...details, ...shown.names } : null,
        version: details?.maintenance_info?.version ?? null,
        upgrade: shown.upgrade ?? null,
        newer_plans: shown.newerPlans,
        ...(shown.binding ? { binding: shown.binding } : {}),
      });
    } else {
      io.out.write(`${fields(tableRows(invocation, shown))}\n`);
    }
    return EXIT.ok;
  },
};

export const runStatus = (args: string[], deps: ConsumerDeps) => runConsumerVerb(statusVerb, args, deps);
