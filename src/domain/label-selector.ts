/**
 * Equality-based Kubernetes label selectors ("a=b,c!=d,e,!f"), the subset
 * catalog entries use to pick their resource templates.
 */
import { isLabelValue } from './kubernetes-names.js';
import { err, ok, type Result } from './result.js';

export { isLabelValue };

export type Requirement =
  | { readonly key: string; readonly op: 'equals' | 'notEquals'; readonly value: string }
  | { readonly key: string; readonly op: 'exists' | 'notExists' };

export type LabelSelector = readonly Requirement[];

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function parseRequirement(term: string): Result<Requirement, string> {
  const match = /^(!?)\s*([^=!\s]+)\s*(?:(==|=|!=)\s*(\S*))?$/.exec(term);
  if (!match) return err(`cannot read "${term}"`);
  const [, negated, key, op, value] = match as unknown as [string, string, string, string | undefined, string | undefined];
  if (!LABEL_KEY.test(key)) return err(`"${key}" is not a label key`);
  if (op === undefined) return ok({ key, op: negated ? 'notExists' : 'exists' });
  if (negated) return err(`"${term}" mixes ! with a value`);
  if (!isLabelValue(value ?? '')) return err(`"${value}" is not a label value`);
  return ok({ key, op: op === '!=' ? 'notEquals' : 'equals', value: value ?? '' });
}

export function parseLabelSelector(text: string): Result<LabelSelector, string> {
  const terms = text.split(',').map((term) => term.trim()).filter((term) => term !== '');
  if (terms.length === 0) return err('the selector is empty');
  const requirements: Requirement[] = [];
  for (const term of terms) {
    const requirement = parseRequirement(term);
    if (!requirement.ok) return requirement;
    requirements.push(requirement.value);
  }
  return ok(requirements);
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  return selector.every((requirement) => {
    const value = labels[requirement.key];
    switch (requirement.op) {
      case 'equals': return value === requirement.value;
      case 'notEquals': return value !== requirement.value;
      case 'exists': return value !== undefined;
      case 'notExists': return value === undefined;
    }
  });
}

export const formatSelector = (selector: LabelSelector): string =>
  selector
    .map((r) => (r.op === 'equals' ? `${r.key}=${r.value}` : r.op === 'notEquals' ? `${r.key}!=${r.value}` : r.op === 'exists' ? r.key : `!${r.key}`))
    .join(',');
