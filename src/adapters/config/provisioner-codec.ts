/** Decodes an entry's provisioner, in either spelling, into the domain's Provisioner. */
import * as t from 'io-ts';
import type { ConfigProblem, EntryChart, Provisioner } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';
import { decodeFields, lowerCaseKeys, port, stringLike } from './codec-support.js';
import { chooseKind, supportedList, type KindFamily } from './kind-choice.js';

export const PROVISIONERS: KindFamily = {
  prefix: 'provision',
  label: 'provisioner',
  kinds: ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionNewClusterObjects', 'ProvisionHelmChart'],
  supported: ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionNewClusterObjects', 'ProvisionHelmChart'],
  aliases: { ProvisionConfigMapObjects: 'ProvisionNewClusterObjects' },
};

const NonClusterUrlData = t.type({ url: t.string });
const ExistingServiceData = t.intersection([t.type({ namespace: t.string, name: t.string }), t.partial({ port })]);
const NewObjectsData = t.intersection([
  t.type({ namespace: t.string, name: t.string, labelselector: t.string }),
  t.partial({ port, bindinglabelselector: t.string }),
]);

const HelmData = t.intersection([
  t.type({ namespace: t.string, chart: t.UnknownRecord }),
  t.partial({ values: t.UnknownRecord, releasename: t.string, name: t.string, port }),
]);
/** One of three shapes, told apart by which key names the source. */
const ChartFields = t.partial({ configmap: t.string, key: t.string, repository: t.string, name: t.string, version: stringLike, oci: t.string });

function decodeChart(value: unknown, source: string, field: string): Result<EntryChart, ConfigProblem[]> {
  const lowered = lowerCaseKeys(value, source, field);
  if (!lowered.ok) return lowered;
  const fields = decodeFields(ChartFields, lowered.value, source, field);
  if (!fields.ok) return fields;
  const { configmap, key, repository, name, version, oci } = fields.value;
  const named = [configmap, repository, oci].filter((given) => given !== undefined).length;
  const fail = (at: string, message: string) => err([{ source, field: at === '' ? field : `${field}.${at}`, message }]);
  if (named !== 1) return fail('', 'names the chart by exactly one of configMap (a packaged chart in its binaryData), repository (with name and version) or oci');
  if (configmap !== undefined) return ok({ kind: 'configMap', configMap: configmap, ...(key !== undefined ? { key } : {}) });
  if (repository !== undefined) {
    if (name === undefined) return fail('name', 'is required with repository');
    if (version === undefined) return fail('version', 'is required with repository');
    return ok({ kind: 'repository', url: repository, chart: name, version });
  }
  return ok({ kind: 'oci', reference: oci!, ...(version !== undefined ? { version } : {}) });
}

function decodeHelm(data: Record<string, unknown>, source: string, field: string): Result<Provisioner, ConfigProblem[]> {
  const d = decodeFields(HelmData, data, source, field);
  if (!d.ok) return d;
  const chart = decodeChart(d.value.chart, source, `${field}.chart`);
  if (!chart.ok) return chart;
  const { namespace, values, releasename, name } = d.value;
  return ok({
    kind: 'HelmChart', namespace, chart: chart.value, values: values ?? {},
    ...(releasename !== undefined ? { releaseName: releasename } : {}), ...(name !== undefined ? { name } : {}), ...withPort(d.value),
  });
}

const withPort = (value: { port?: number }): { port?: number } => (value.port !== undefined ? { port: value.port } : {});

function decodeData(kind: string, data: Record<string, unknown>, source: string, field: string): Result<Provisioner, ConfigProblem[]> {
  switch (kind) {
    case 'ProvisionNonClusterURL': {
      const d = decodeFields(NonClusterUrlData, data, source, field);
      return d.ok ? ok({ kind: 'NonClusterURL', url: d.value.url }) : d;
    }
    case 'ProvisionExistingClusterService': {
      const d = decodeFields(ExistingServiceData, data, source, field);
      return d.ok ? ok({ kind: 'ExistingClusterService', namespace: d.value.namespace, name: d.value.name, ...withPort(d.value) }) : d;
    }
    case 'ProvisionHelmChart':
      return decodeHelm(data, source, field);
    default: {
      // ProvisionNewClusterObjects (its older name ProvisionConfigMapObjects arrives resolved).
      const d = decodeFields(NewObjectsData, data, source, field);
      if (!d.ok) return d;
      const { namespace, name, labelselector, bindinglabelselector } = d.value;
      const perBinding = bindinglabelselector !== undefined ? { bindingLabelSelector: bindinglabelselector } : {};
      return ok({ kind: 'NewClusterObjects', namespace, name, labelSelector: labelselector, ...withPort(d.value), ...perBinding });
    }
  }
}

/** `fields` are the entry's top-level fields with lower-case keys. */
export function decodeProvisioner(fields: Readonly<Record<string, unknown>>, source: string): Result<Provisioner, ConfigProblem[]> {
  const choice = chooseKind(fields, PROVISIONERS, source);
  if (!choice.ok) return choice;
  if (choice.value === undefined) {
    return err([{ source, field: 'provisionkind', message: `is required (one of ${supportedList(PROVISIONERS)})` }]);
  }
  const { kind, data, dataField } = choice.value;
  const lowered = lowerCaseKeys(data, source, dataField);
  if (!lowered.ok) return data === undefined ? err([{ source, field: dataField, message: 'is required' }]) : lowered;
  return decodeData(kind, lowered.value, source, dataField);
}
