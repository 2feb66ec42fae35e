import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import {
  isDns1035Label, isDnsLabel, isDnsSubdomain, isLabelValue, isQualifiedName, isValidObjectName, namingProblems,
} from '../../../src/domain/kubernetes-names.js';
import { configMap, deployment, service } from '../builders.js';

describe('domain/kubernetes-names', () => {
  it('takes an RFC 1123 label: lower-case alphanumerics and "-", at most 63, alphanumeric at both ends', () => {
    for (const name of ['a', 'a-1', '0abc', 'x'.repeat(63)]) expect(isDnsLabel(name), name).to.equal(true);
    for (const name of ['', 'A', 'a.b', '-a', 'a-', 'a_b', 'x'.repeat(64)]) expect(isDnsLabel(name), name).to.equal(false);
  });

  it('takes an RFC 1035 label (Service names): like an RFC 1123 label but starting with a letter', () => {
    for (const name of ['a', 'api-1', 'x'.repeat(63)]) expect(isDns1035Label(name), name).to.equal(true);
    for (const name of ['', '1api', 'a.b', 'A', 'a-', 'x'.repeat(64)]) expect(isDns1035Label(name), name).to.equal(false);
  });

  it('takes an RFC 1123 subdomain: dot-separated labels, at most 253 characters (as the API server, no 63 per part)', () => {
    for (const name of ['a', 'a.b', 'api-1.example', `${'a'.repeat(64)}.b`, 'x'.repeat(253)]) expect(isDnsSubdomain(name), name.slice(0, 20)).to.equal(true);
    for (const name of ['', 'a..b', '.a', 'a.', 'A.b', 'a_b', 'x'.repeat(254), Array(128).fill('ab').join('.')]) {
      expect(isDnsSubdomain(name), name.slice(0, 20)).to.equal(false);
    }
  });

  it('takes label values of at most 63 letters, digits, "-", "_" and ".", alphanumeric at both ends, or empty', () => {
    for (const value of ['', 'a', 'My_App.v1', 'x'.repeat(63)]) expect(isLabelValue(value), value).to.equal(true);
    for (const value of ['my app', '-a', 'a-', 'a/b', 'x'.repeat(64)]) expect(isLabelValue(value), value).to.equal(false);
  });

  it('takes label keys as an optional DNS-subdomain prefix and "/" and a name of at most 63', () => {
    for (const key of ['app', 'app.kubernetes.io/name', 'mesitis/instance', 'A_b.c']) expect(isQualifiedName(key), key).to.equal(true);
    for (const key of ['', '/app', 'Bad_Prefix/app', 'app/', 'a b', `p/${'x'.repeat(64)}`]) expect(isQualifiedName(key), key).to.equal(false);
  });

  it('names a Service by the RFC 1035 label rule and every other kind by the subdomain rule', () => {
    expect(isValidObjectName('Service', 'a.b')).to.equal(false);
    expect(isValidObjectName('ConfigMap', 'a.b')).to.equal(true);
    expect(isValidObjectName('Service', 'x'.repeat(64))).to.equal(false);
    expect(isValidObjectName('Deployment', 'x'.repeat(64))).to.equal(true);
    expect(isValidObjectName('Service', '1api')).to.equal(false);
    expect(isValidObjectName('Secret', '1api')).to.equal(true);
  });

  describe('namingProblems', () => {
    it('finds nothing wrong with valid objects', () => {
      expect(namingProblems(deployment('api-1'))).to.deep.equal([]);
      expect(namingProblems(service('api-1'))).to.deep.equal([]);
      expect(namingProblems({ ...configMap('a.b'), metadata: { name: 'a.b', labels: { 'app.kubernetes.io/name': 'x' } } })).to.deep.equal([]);
    });

    it('points at the object name that its kind does not allow', () => {
      const [problem, ...more] = namingProblems(service('api.v1'));
      expect(more).to.deep.equal([]);
      expect(problem).to.include({ value: 'api.v1' });
      expect(problem!.path).to.deep.equal(['metadata', 'name']);
    });

    it('points at bad label keys and values in metadata, the selector and the pod template', () => {
      const object: KubeObject = {
        ...deployment('api'),
        metadata: { name: 'api', labels: { tier: 'front end', 'Bad_Prefix/x': 'ok' } },
        spec: {
          selector: { matchLabels: { app: '-api' } },
          template: { metadata: { labels: { app: 'x'.repeat(64) } }, spec: { containers: [] } },
        },
      };
      const problems = namingProblems(object).map((p) => ({ path: p.path.join('.'), value: p.value }));
      expect(problems).to.have.deep.members([
        { path: 'metadata.labels.tier', value: 'front end' },
        { path: 'metadata.labels', value: 'Bad_Prefix/x' },
        { path: 'spec.selector.matchLabels.app', value: '-api' },
        { path: 'spec.template.metadata.labels.app', value: 'x'.repeat(64) },
      ]);
    });

    it('refuses a label value that is not a string', () => {
      const object: KubeObject = { ...configMap('c'), metadata: { name: 'c', labels: { replicas: 3 as unknown as string } } };
      expect(namingProblems(object).map((p) => p.path.join('.'))).to.deep.equal(['metadata.labels.replicas']);
    });
  });
});
