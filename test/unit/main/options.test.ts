/** Where `mesitis dev` and `mesitis serve` keep state: the defaults and every refusal. */
import { expect } from 'chai';
import { brokerOptions, UsageError } from '../../../src/main/options.js';

describe('main/options: state', () => {
  const stateOf = (mode: 'dev' | 'serve', args: string[], env: NodeJS.ProcessEnv = {}) => brokerOptions(mode, args, env).state;

  it('keeps state in the cluster for serve and in memory for dev by default', () => {
    expect(stateOf('serve', [])).to.deep.equal({ kind: 'kubernetes' });
    expect(stateOf('dev', [])).to.deep.equal({ kind: 'memory' });
  });

  it('uses Redis when it has a URL, from a flag or the environment', () => {
    expect(stateOf('serve', ['--redis-url', 'redis://r:6379', '-n', 'team-a'])).to.deep.equal({ kind: 'redis', url: 'redis://r:6379', tls: false, prefix: 'mesitis:team-a:' });
    expect(stateOf('dev', [], { MESITIS_REDIS_URL: 'redis://r:6379', MESITIS_REDIS_DB: '2' })).to.include({ kind: 'redis', db: 2 });
  });

  it('takes --state (or MESITIS_STATE) over the defaults', () => {
    expect(stateOf('serve', ['--state', 'memory'])).to.deep.equal({ kind: 'memory' });
    expect(stateOf('serve', [], { MESITIS_STATE: 'memory' })).to.deep.equal({ kind: 'memory' });
    expect(stateOf('serve', ['--state', 'kubernetes'], { MESITIS_REDIS_URL: 'redis://r:6379' })).to.deep.equal({ kind: 'kubernetes' });
    expect(stateOf('serve', ['--state', 'redis', '--redis-url', 'redis://r:6379'])).to.include({ kind: 'redis' });
  });

  it('refuses a state it cannot keep', () => {
    expect(() => stateOf('serve', ['--state', 'etcd'])).to.throw(UsageError, '--state must be one of memory, kubernetes, redis');
    expect(() => stateOf('serve', ['--state', 'redis'])).to.throw(UsageError, '--state redis needs --redis-url');
    expect(() => stateOf('dev', ['--state', 'kubernetes'])).to.throw(UsageError, 'needs a cluster');
  });
});

describe('main/options: helm', () => {
  it('runs `helm` from PATH unless --helm-binary (or MESITIS_HELM) names another', () => {
    expect(brokerOptions('serve', [], {}).helmBinary).to.equal('helm');
    expect(brokerOptions('serve', [], { MESITIS_HELM: '/opt/helm4/helm' }).helmBinary).to.equal('/opt/helm4/helm');
    expect(brokerOptions('dev', ['--helm-binary', './helm'], { MESITIS_HELM: '/opt/helm4/helm' }).helmBinary).to.equal('./helm');
  });
});
