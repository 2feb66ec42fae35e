/** helm's stderr, as helm 4 writes it, turned into error kinds with messages that echo no value. */
import { expect } from 'chai';
import { translateHelmFailure } from '../../../../src/adapters/helm/helm-failures.js';

const ACTION = { verb: 'upgrade', what: 'release "ns/db"' };
const failed = (stderr: string) => translateHelmFailure({ exitCode: 1, timedOut: false, stderr }, ACTION);

describe('translateHelmFailure', function () {
  it('an object the API server refuses: ConfigInvalid with kind, name and field paths, none of the values', function () {
    const error = failed(
      'level=WARN msg="upgrade failed" name=db error="failed to create resource: ... s3cret"\n' +
        'Error: UPGRADE FAILED: failed to create resource: server-side apply failed for object ns/db-job batch/v1, Kind=Job: Job.batch "db-job" is invalid: ' +
        '[spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never", spec.template.spec.containers[0].image: Invalid value: "s3cret image": bad]\n',
    );
    expect(error).to.deep.equal({
      kind: 'ConfigInvalid',
      message: 'upgrade release "ns/db": Job.batch "db-job" was refused by the cluster as invalid (spec.template.spec.restartPolicy: required value; spec.template.spec.containers[0].image: invalid value)',
    });
  });

  it('an object of no release in the way: ObjectsExist naming it', function () {
    const error = failed(
      'Error: INSTALLATION FAILED: unable to continue with install: Secret "db-credentials" in namespace "ns" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"\n',
    );
    expect(error).to.deep.equal({ kind: 'ObjectsExist', message: 'upgrade release "ns/db": Secret ns/db-credentials already exists and belongs to no release of this name' });
  });

  it('a chart that fails to render: ConfigInvalid naming the template and line, not the message the chart printed', function () {
    for (const stderr of [
      'Error: execution error at (fixture-db/templates/fail.yaml:2:4): refusing to render with hunter2\n',
      'Error: parse error at (fixture-db/templates/bad.yaml:1): unexpected "}" in if\n',
      'Error: fixture-db/templates/bad.yaml:1:13\n  executing "fixture-db/templates/bad.yaml" at <.Values.nope.deep>: nil pointer evaluating interface {}.deep\n\nUse --debug flag to render out invalid YAML\n',
    ]) {
      const error = failed(stderr);
      expect(error.kind).to.equal('ConfigInvalid');
      expect(error.message).to.match(/^upgrade release "ns\/db": the chart could not be rendered \(at fixture-db\/templates\/(fail|bad)\.yaml:\d+\)$/);
    }
  });

  it('values the chart schema refuses: ConfigInvalid with the paths', function () {
    const error = failed("Error: values don't meet the specifications of the schema(s) in the following chart(s):\nfixture-db:\n- at '/port': got string, want integer\n");
    expect(error).to.deep.equal({ kind: 'ConfigInvalid', message: 'upgrade release "ns/db": the values do not match the chart\'s values.schema.json (at /port)' });
  });

  it("a chart repository that cannot be reached is Unavailable, one without the chart ConfigInvalid, named in the broker's own words (no URL from stderr)", function () {
    const unreachable = failed('Error: looks like "https://tok3n@charts.example" is not a valid chart repository or cannot be reached: Get "https://charts.example/index.yaml": dial tcp 10.0.0.1:443: connect: connection refused\n');
    expect(unreachable).to.deep.equal({ kind: 'Unavailable', message: 'upgrade release "ns/db": the repository of the chart could not be reached' });
    const missing = translateHelmFailure(
      { exitCode: 1, timedOut: false, stderr: 'Error: chart "postgres" version "9.9.9" not found in https://charts.example repository\n' },
      { ...ACTION, chart: 'chart "postgres" 9.9.9 from https://charts.example' },
    );
    expect(missing).to.deep.equal({ kind: 'ConfigInvalid', message: 'upgrade release "ns/db": chart "postgres" 9.9.9 from https://charts.example was not found (name or version)' });
    const garbage = failed("Error: file '/tmp/x/chart.tgz' does not appear to be a gzipped archive; got 'application/octet-stream'\n");
    expect(garbage.kind).to.equal('ConfigInvalid');
    expect(garbage.message).to.include('packaged chart could not be read');
  });

  it('the cluster: unreachable is Unavailable, refusing the identity is Forbidden, a missing namespace is ConfigInvalid', function () {
    expect(failed('Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused\n').kind).to.equal('Unavailable');
    expect(failed('Error: UPGRADE FAILED: secrets is forbidden: User "system:serviceaccount:provider-ns:mesitis" cannot list resource "secrets" in API group "" in the namespace "ns"\n')).to.deep.equal({
      kind: 'Forbidden', message: 'upgrade release "ns/db": the broker is not allowed to list secrets',
    });
    expect(failed('Error: INSTALLATION FAILED: create: failed to create: namespaces "ns" not found\n')).to.deep.equal({
      kind: 'ConfigInvalid', message: 'upgrade release "ns/db": namespace "ns" does not exist',
    });
  });

  it('an absent release is NotFound; a leftover pending operation ConcurrencyError; a deadline Unavailable; anything else Infrastructure without stderr', function () {
    expect(failed('Error: release: not found\n').kind).to.equal('NotFound');
    expect(failed('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n').kind).to.equal('ConcurrencyError');
    expect(translateHelmFailure({ timedOut: true, signal: 'SIGTERM', stderr: '' }, ACTION)).to.deep.equal({ kind: 'Unavailable', message: 'upgrade release "ns/db" did not finish in time' });
    expect(failed('Error: something nobody expected: s3cret\n')).to.deep.equal({ kind: 'Infrastructure', message: 'upgrade release "ns/db" failed (exit 1)' });
  });
});
