import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { expect } from 'chai';
import { consumerContext } from '../../src/adapters/cli/consumer-context.js';
import { loadKubeConfig } from '../../src/adapters/cli/kubeconfig.js';
import { CONSUMER_FLAGS } from '../../src/adapters/cli/verb-arguments.js';

const flags = (...args: string[]) => parseArgs({ args, options: CONSUMER_FLAGS, strict: true }).values;

const kubeconfig = (context: string, namespace: string, user = 'jane') => `apiVersion: v1
kind: Config
clusters: [{ name: ${context}-cluster, cluster: { server: "https://${context}.example:6443" } }]
users: [{ name: ${user}, user: { token: t } }]
contexts: [{ name: ${context}, context: { cluster: ${context}-cluster, user: ${user}, namespace: ${namespace} } }]
current-context: ${context}
`;

describe('consumer context', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mesitis-context-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('merges KUBECONFIG files the kubectl way: the first current-context and the first definition win', () => {
    const first = file('a', kubeconfig('first', 'first-ns', 'jane'));
    const second = file('b', kubeconfig('second', 'second-ns', 'jane')); // jane again: client-node's own merge would throw
    const loaded = loadKubeConfig(undefined, { KUBECONFIG: [first, second].join(delimiter) });
    expect(loaded.config?.getCurrentContext()).to.equal('first');
    expect(loaded.config?.getContexts().map((context) => context.name)).to.deep.equal(['first', 'second']);
    expect(loaded.config?.getUsers()).to.have.length(1);
  });

  it('falls back to ~/.kube/config, and finds nothing without complaint when there is none', () => {
    mkdirSync(join(dir, '.kube'));
    file('.kube/config', kubeconfig('home', 'home-ns'));
    expect(loadKubeConfig(undefined, { HOME: dir }).config?.getCurrentContext()).to.equal('home');
    expect(loadKubeConfig(undefined, { HOME: join(dir, 'empty') })).to.deep.equal({});
    expect(loadKubeConfig(undefined, {})).to.deep.equal({});
  });

  it('reports a named kubeconfig that is missing or unreadable', () => {
    expect(loadKubeConfig(join(dir, 'nope'), {}).problem).to.contain('does not exist');
    expect(loadKubeConfig(file('bad', 'clusters: [: nope'), {}).problem).to.match(/^cannot read kubeconfig .*bad/);
  });

  it('prefers -n to the context namespace, and sends the context user as the identity', () => {
    const env = { KUBECONFIG: file('c', kubeconfig('ctx', 'ctx-ns')) };
    const fromContext = consumerContext(flags(), env);
    expect(fromContext.ok && fromContext.value).to.deep.include({ namespace: 'ctx-ns', kubeUser: 'jane' });
    const fromFlag = consumerContext(flags('-n', 'flag-ns'), env);
    expect(fromFlag.ok && fromFlag.value.namespace).to.equal('flag-ns');
    expect(consumerContext(flags('-n', 'Not_A_Namespace'), env).ok).to.equal(false);
  });

  it('takes the broker URL from the flag, then MESITIS_URL, then the default, and refuses non-HTTP URLs', () => {
    const url = (values: ReturnType<typeof flags>, env: Record<string, string> = {}) => {
      const context = consumerContext(values, env);
      return context.ok ? context.value.brokerUrl : context.error;
    };
    expect(url(flags('-n', 'a', '--broker-url', 'https://broker.example/base/'), { MESITIS_URL: 'http://env' })).to.equal('https://broker.example/base');
    expect(url(flags('-n', 'a'), { MESITIS_URL: 'http://env.example:9000' })).to.equal('http://env.example:9000');
    expect(url(flags('-n', 'a'))).to.equal('http://127.0.0.1:8080');
    expect(url(flags('-n', 'a', '--broker-url', 'ftp://x'))).to.contain('must be http or https');
  });

  it('lets a --username take its password from MESITIS_PASSWORD, keeping it out of the process list', () => {
    const context = consumerContext(flags('-n', 'a', '--username', 'team'), { MESITIS_PASSWORD: 'pw', MESITIS_BEARER_TOKEN: 'ignored' });
    expect(context.ok && context.value.auth).to.deep.equal({ kind: 'basic', username: 'team', password: 'pw' });
    const ambiguous = consumerContext(flags('-n', 'a'), { MESITIS_USERNAME: 'u', MESITIS_PASSWORD: 'p', MESITIS_BEARER_TOKEN: 't' });
    expect(!ambiguous.ok && ambiguous.error).to.contain('choose with --bearer-token or --username');
  });

  it('takes a bearer token from --bearer-token (the broker\'s own flag name) or its short name --token', () => {
    for (const flag of ['--bearer-token', '--token']) {
      const context = consumerContext(flags('-n', 'a', flag, 'tok'), { MESITIS_USERNAME: 'ignored-by-flag' });
      expect(context.ok && context.value.auth, flag).to.deep.equal({ kind: 'bearer', token: 'tok' });
    }
    expect(consumerContext(flags('-n', 'a', '--bearer-token', 'x', '--token', 'y'), {}).ok).to.equal(false);
    const both = consumerContext(flags('-n', 'a', '--bearer-token', 'x', '--username', 'u'), {});
    expect(!both.ok && both.error).to.equal('give either --bearer-token or --username/--password, not both');
  });

  it('names the cluster from --cluster-id, then MESITIS_CLUSTER_ID, then the kube context, then "kubernetes"', () => {
    const env = { KUBECONFIG: file('c', kubeconfig('ctx', 'ctx-ns')) };
    const cluster = (values: ReturnType<typeof flags>, environment: Record<string, string>) => {
      const context = consumerContext(values, environment);
      return context.ok ? context.value.clusterId : context.error;
    };
    expect(cluster(flags('--cluster-id', 'prod-eu-1'), { ...env, MESITIS_CLUSTER_ID: 'from-env' })).to.equal('prod-eu-1');
    expect(cluster(flags(), { ...env, MESITIS_CLUSTER_ID: 'from-env' })).to.equal('from-env');
    expect(cluster(flags(), env)).to.equal('ctx-cluster');
    expect(cluster(flags('-n', 'a'), {})).to.equal('kubernetes');
    expect(cluster(flags('-n', 'a', '--cluster-id', ' '), {})).to.contain('must not be empty');
  });
});
