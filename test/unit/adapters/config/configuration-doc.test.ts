/**
 * docs/configuration.md is the providing team's reference: it must name
 * everything the codecs and the domain accept, read here from the code
 * itself, so a kind, alias, key, label or variable added to the code without
 * a word in the doc fails this test.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CATALOG_ENTRY_KIND, KIND_LABEL, PAYLOAD_KEYS } from '../../../../src/adapters/config/config-map-document.js';
import { CREDENTIALS } from '../../../../src/adapters/config/credential-codec.js';
import { knownNames, type KindFamily } from '../../../../src/adapters/config/kind-choice.js';
import { PROVISIONERS } from '../../../../src/adapters/config/provisioner-codec.js';
import { ORIGINAL_KINDS } from '../../../../src/domain/kube-object.js';
import { BINDING_LABEL, CONSUMER_LABEL, INSTANCE_LABEL, MANAGED_BY_LABEL, OFFERING_LABEL } from '../../../../src/domain/resource-plan.js';
import { ENABLED_LABEL, ORDER_LABEL } from '../../../../src/domain/resource-template.js';
import { substitute, substituteDeep } from '../../../../src/domain/template-variables.js';

const DOC = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');

/** The doc's table row for a name: the line of a table starting with it in backticks. */
const row = (name: string): string | undefined => DOC.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));

describe('docs/configuration.md', () => {
  for (const family of [PROVISIONERS, CREDENTIALS] as KindFamily[]) {
    it(`has a row for every ${family.label} kind, each alias in its kind's row, and says which are not supported yet`, () => {
      for (const kind of family.kinds) {
        expect(row(kind), kind).to.be.a('string');
        if (!family.supported.includes(kind)) expect(row(kind), kind).to.contain('not supported yet');
      }
      for (const [alias, kind] of Object.entries(family.aliases)) expect(row(kind), `${alias} in the row of ${kind}`).to.contain(`\`${alias}\``);
      expect(knownNames(family).length).to.equal(family.kinds.length + Object.keys(family.aliases).length);
      expect(DOC).to.contain(`"${family.prefix}kind"`).and.contain(`"${family.prefix}data"`);
    });
  }

  it('names every payload key, label and the catalog-entry kind value', () => {
    for (const text of [...PAYLOAD_KEYS, KIND_LABEL, CATALOG_ENTRY_KIND, ENABLED_LABEL, ORDER_LABEL, MANAGED_BY_LABEL, INSTANCE_LABEL, OFFERING_LABEL, CONSUMER_LABEL, BINDING_LABEL]) {
      expect(DOC, text).to.contain(`\`${text}\``);
    }
  });

  it('lists every entry field', () => {
    for (const field of ['team', 'offering', 'description', 'uuid', 'version', 'whitelist', 'serviceuuid', 'bindingLifetime', 'renewBefore']) expect(row(field), field).to.be.a('string');
    expect(DOC).to.contain('`bindingLabelSelector`');
  });

  it('lists the kinds with their own readiness rule, each with its apiVersion', () => {
    for (const { kind, apiVersion } of ORIGINAL_KINDS) expect(row(kind), kind).to.contain(`\`${apiVersion}\``);
    for (const kind of ['StatefulSet', 'DaemonSet', 'Job', 'PersistentVolumeClaim']) expect(row(kind), kind).to.be.a('string');
  });

  it('lists only template variables that exist, and every one that does', () => {
    // A binding's facts: binding templates may use every instance variable and the binding's own; a Helm entry's, its release.
    const facts = { instanceId: 'i', instanceName: 'n', consumerNamespace: 'c', team: 't', offering: 'o', version: 'v', parameters: { NAME: 'x', tag: '1.0' }, binding: { id: 'b' }, release: { name: 'r' } };
    const documented = [...new Set([...DOC.matchAll(/\{\{ ([A-Za-z.]+) \}\}/g)].map((m) => m[1]!))];
    // Generated values exist in object content only, where the plan check renders stand-ins.
    for (const name of documented) {
      const resolved = name.startsWith('generated.') ? substituteDeep({ data: `{{ ${name} }}` }, facts, 'placeholder') : substitute(`{{ ${name} }}`, facts);
      expect(resolved.ok, name).to.equal(true);
    }
    expect(documented).to.include('generated.NAME');
    // What templates may use beyond parameters: each resolves, so each must be documented.
    for (const name of ['instance.id', 'instance.shortId', 'instance.name', 'consumer.namespace', 'team', 'offering', 'version', 'parameters.NAME', 'binding.id', 'binding.shortId', 'release.name']) {
      expect(documented, name).to.include(name);
    }
    expect(substitute('{{ instance.uid }}', facts).ok).to.equal(false);
  });

  it('has the section README links for what validate checks', () => {
    expect(DOC).to.match(/^## What `mesitis validate` checks$/m);
  });
});
