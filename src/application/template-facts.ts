/**
 * The facts a plan is rendered with, generated values included. Every place
 * that renders an instance's plan (provision, a resumed provision) asks here,
 * so all of them render the same values: the generator derives them from
 * the instance id, never from a random draw, and the generation key is read
 * only when the plan uses a generated value.
 */
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { generatedSpecs } from '../domain/generated-values.js';
import type { InstanceRecord } from '../domain/records.js';
import type { ResourceTemplate } from '../domain/resource-template.js';
import { ok, type Result } from '../domain/result.js';
import type { InstanceFacts } from '../domain/template-variables.js';
import type { SecretGenerator } from './ports/secret-generator.js';
import { instanceFacts } from './requests.js';

type FactsOf = Pick<InstanceRecord, 'id' | 'instanceName' | 'consumerNamespace' | 'parameters'>;

export class TemplateFacts {
  constructor(private readonly generator: SecretGenerator) {}

  async of(entry: CatalogEntry, templates: readonly ResourceTemplate[], instance: FactsOf): Promise<Result<InstanceFacts>> {
    const facts = instanceFacts(entry, instance);
    const specs = generatedSpecs(entry, templates);
    if (!specs.ok) return specs;
    if (specs.value.length === 0) return ok(facts);
    const generated = await this.generator.generate(instance.id, specs.value);
    return generated.ok ? ok({ ...facts, generated: generated.value }) : generated;
  }

  /** The facts one binding's templates are rendered with: its generated values derive from instance and binding id. */
  async ofBinding(entry: CatalogEntry, templates: readonly ResourceTemplate[], instance: FactsOf, bindingId: string): Promise<Result<InstanceFacts>> {
    const facts: InstanceFacts = { ...instanceFacts(entry, instance), binding: { id: bindingId } };
    const specs = generatedSpecs(entry, templates, 'binding');
    if (!specs.ok) return specs;
    if (specs.value.length === 0) return ok(facts);
    const generated = await this.generator.generate(instance.id, specs.value, bindingId);
    return generated.ok ? ok({ ...facts, generated: generated.value }) : generated;
  }
}
