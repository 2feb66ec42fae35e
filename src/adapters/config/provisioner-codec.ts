/** Decodes an entry's provisioner, in either spelling, into the domain's Provisioner. */
import * as t from 'io-ts';
import type { ConfigProblem, Provisioner } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';
import { decodeFields, lowerCaseKeys, port } from './codec-support.js';
import { chooseKind, supportedList, type KindFamily } from './kind-choice.js';

export const PROVISIONERS: KindFamily = {
  prefix: 'provision',
  label: 'provisioner',
  kinds: ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionNewClusterObjects', 'ProvisionHelmChart'],
  supported: ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionNewClusterObjects'],
  aliases: { ProvisionConfigMapObjects: 'ProvisionNewClusterObjects' },
};

const NonClusterUrlData = t.type({ url: t.string });
const ExistingServiceData = t.intersection([t.type({ namespace: t.string, name: t.string }), t.partial({ port })]);
const NewObjectsData = t.intersection([
  t.type({ namespace: t.string, name: t.string, labelselector: t.string }),
  t.partial({ port, bindinglabelselector: t.string }),
]);

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
  const { kind, data, dataField, kindField } = choice.value;
  if (kind === 'ProvisionHelmChart') return err([{ source, field: kindField, message: 'Helm chart provisioning is not supported yet' }]);
  const lowered = lowerCaseKeys(data, source, dataField);
  if (!lowered.ok) return data === undefined ? err([{ source, field: dataField, message: 'is required' }]) : lowered;
  return decodeData(kind, lowered.value, source, dataField);
}
