/** How an installation names its Vault: none by default, Kubernetes auth unless told otherwise, and every refusal. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expect } from 'chai';
import { UsageError } from '../../../src/main/options.js';
import { DEFAULT_VAULT_SA_TOKEN_FILE, VAULT_FLAGS, vaultOptions, vaultSettings } from '../../../src/main/vault-options.js';

const optionsOf = (args: string[], env: NodeJS.ProcessEnv = {}) => vaultOptions(parseArgs({ args, options: VAULT_FLAGS }).values, env);

describe('main/vault-options', () => {
  it('uses no Vault unless an address is given', () => {
    expect(optionsOf([])).to.equal(undefined);
  });

  it('logs in with Kubernetes auth by default, with the projected token and mount kubernetes', () => {
    expect(optionsOf(['--vault-address', 'https://vault:8200', '--vault-role', 'mesitis'])).to.deep.equal({
      address: 'https://vault:8200',
      auth: { method: 'kubernetes', role: 'mesitis', mount: 'kubernetes', tokenFile: DEFAULT_VAULT_SA_TOKEN_FILE },
    });
  });

  it('takes the environment where no flag is given, flags first', () => {
    const env = { MESITIS_VAULT_ADDR: 'https://env:8200', MESITIS_VAULT_ROLE: 'r', MESITIS_VAULT_NAMESPACE: 'team-a', MESITIS_VAULT_CACERT: '/ca.pem', MESITIS_VAULT_AUTH_MOUNT: 'k8s' };
    expect(optionsOf(['--vault-address', 'https://flag:8200'], env)).to.deep.equal({
      address: 'https://flag:8200',
      caFile: '/ca.pem',
      namespace: 'team-a',
      auth: { method: 'kubernetes', role: 'r', mount: 'k8s', tokenFile: DEFAULT_VAULT_SA_TOKEN_FILE },
    });
  });

  it('reads a token from a file with --vault-auth token, again at each login', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vault-options-'));
    try {
      const tokenFile = join(dir, 'token');
      const options = optionsOf(['--vault-address', 'http://127.0.0.1:8200', '--vault-auth', 'token', '--vault-token-file', tokenFile]);
      expect(options?.auth).to.deep.equal({ method: 'token', tokenFile });
      const settings = await vaultSettings(options!);
      if (settings.auth.method !== 'token') expect.fail('token auth expected');
      await writeFile(tokenFile, 'first\n');
      expect(await settings.auth.readToken()).to.equal('first\n');
      await writeFile(tokenFile, 'second');
      expect(await settings.auth.readToken()).to.equal('second');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an incomplete or unknown setup', () => {
    expect(() => optionsOf(['--vault-address', 'vault:8200', '--vault-role', 'r'])).to.throw(UsageError, 'must be an http(s) URL');
    expect(() => optionsOf(['--vault-address', 'https://v'])).to.throw(UsageError, 'needs --vault-role');
    expect(() => optionsOf(['--vault-address', 'https://v', '--vault-auth', 'token'])).to.throw(UsageError, 'needs --vault-token-file');
    expect(() => optionsOf(['--vault-address', 'https://v', '--vault-auth', 'approle'])).to.throw(UsageError, 'must be kubernetes or token');
  });
});
