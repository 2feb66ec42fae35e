/**
 * The Dockerfile, checked without a container engine: what it copies exists
 * (and is in the build context), it builds helm from its Go module, it runs
 * `mesitis serve` as a non-root user, and the production image it
 * describes, replayed into a temporary directory (`npm ci --omit=dev`
 * included, the helm the tests build standing in for the helm stage),
 * starts the broker, answers /healthz and writes nothing to its own
 * filesystem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { isDockerIgnored, last, parseCopy, parseDockerfile, splitFlags, words, type Stage } from '../support/dockerfile.js';
import { buildHelm, helmPrerequisite, helmVersion } from '../support/helm.js';
import { cleanEnv, goBuildOf, isCompileStage, replayImage, snapshot, type ReplayedImage } from '../support/image-replay.js';
import { requireOrSkip } from '../support/prerequisites.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HELM_PACKAGE = 'helm.sh/helm/v4/cmd/helm';
const SUPPORTED = new Set(['FROM', 'ARG', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD']);

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-3000)}`))));
  });
}

/** Every file under a context path, relative to the context. */
async function filesUnder(path: string): Promise<string[]> {
  if (!statSync(join(REPO, path)).isDirectory()) return [path];
  const entries = await readdir(join(REPO, path), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => posix.join(path, posix.relative(join(REPO, path), join(e.parentPath, e.name))));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealthz(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode}):\n${output()}`);
    try {
      return await fetch(`${url}/healthz`);
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url}/healthz within 30 s:\n${output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('Dockerfile', function () {
  let stages: Stage[];
  let final: Stage;

  before(async function () {
    this.timeout(5 * 60_000);
    stages = parseDockerfile(await readFile(join(REPO, 'Dockerfile'), 'utf8'));
    final = stages[stages.length - 1]!;
    await run('npm', ['run', 'build'], REPO);
  });

  it('uses only instructions the replay below understands', function () {
    const used = stages.flatMap((s) => s.instructions.map((i) => i.keyword));
    expect(used.filter((k) => !SUPPORTED.has(k))).to.deep.equal([]);
    expect(stages.filter(isCompileStage), 'one stage running npm run build').to.have.length(1);
  });

  it('copies only paths that exist and that .dockerignore keeps in the build context', async function () {
    const ignore = await readFile(join(REPO, '.dockerignore'), 'utf8');
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy)).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources).to.include.members(['package.json', 'package-lock.json', 'src', 'bin']);
    for (const source of sources) {
      expect(existsSync(join(REPO, source)), `${source} exists`).to.equal(true);
      for (const file of await filesUnder(source)) expect(isDockerIgnored(file, ignore), `${file} is .dockerignored`).to.equal(false);
    }
    expect(isDockerIgnored('node_modules/koa/package.json', ignore), 'node_modules stays out of the context').to.equal(true);
    expect(isDockerIgnored('dist/main/cli.js', ignore), 'a local dist/ stays out of the context').to.equal(true);
  });

  it('copies from the compile stage only what `npm run build` produced', function () {
    const compile = stages.find(isCompileStage)!;
    const workdir = last(compile, 'WORKDIR')?.args ?? '/';
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy).filter((c) => c.from === compile.name);
    expect(copies.flatMap((c) => c.sources)).to.deep.equal([posix.join(workdir, 'dist')]);
    expect(existsSync(join(REPO, 'dist/main/cli.js')), 'dist/main/cli.js after the build').to.equal(true);
  });

  it('builds helm from the Go module in tools/helm in a stage of its own, and downloads no release binary', function () {
    const helmStage = stages.find((s) => goBuildOf(s)?.target === HELM_PACKAGE);
    expect(helmStage, `a stage running go build ${HELM_PACKAGE}`).to.not.equal(undefined);
    const sources = helmStage!.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy).flatMap((c) => c.sources);
    expect(sources).to.deep.equal(['tools/helm/go.mod', 'tools/helm/go.sum']);
    expect(goBuildOf(helmStage!)!.args).to.include('-mod=readonly').and.include('-trimpath');
    const everything = stages.flatMap((s) => s.instructions);
    expect(everything.filter((i) => i.keyword === 'ADD' || /\b(curl|wget)\b|get\.helm\.sh|\.tar\.gz/.test(i.args)).map((i) => i.line), 'lines fetching binaries').to.deep.equal([]);
    const copied = final.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy).filter((c) => c.from === helmStage!.name);
    expect(copied).to.deep.equal([{ from: helmStage!.name, sources: [goBuildOf(helmStage!)!.output], dest: '/usr/local/bin/helm' }]);
  });

  it('installs production dependencies only, from the lock file, without install scripts', function () {
    const installs = stages.filter((s) => !isCompileStage(s) && goBuildOf(s) === undefined).flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN')).map((i) => splitFlags(i.args).rest);
    expect(installs).to.have.length.greaterThan(0);
    for (const command of installs) expect(command).to.match(/^npm ci\b/).and.include('--omit=dev').and.include('--ignore-scripts');
  });

  it('runs as a numeric non-root user, the one the chart declares', function () {
    const user = last(final, 'USER')?.args ?? 'root';
    const uid = /^(\d+)(?::\d+)?$/.exec(user)?.[1];
    expect(uid, `USER ${user} is numeric, so Kubernetes can check runAsNonRoot`).to.be.a('string');
    expect(Number(uid)).to.be.greaterThan(0);
    const values = parseYaml(readFileSync(join(REPO, 'deploy/helm/mesitis/values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number } };
    expect(values.podSecurityContext.runAsUser).to.equal(Number(uid));
  });

  it('runs `mesitis serve` by default', function () {
    const command = [...words(last(final, 'ENTRYPOINT')?.args ?? '[]'), ...words(last(final, 'CMD')?.args ?? '[]')];
    expect(command).to.deep.equal(['node', posix.join(last(final, 'WORKDIR')!.args, 'bin/mesitis.js'), 'serve']);
  });

  describe('the production image it describes, replayed', function () {
    let scratch: string;
    let image: ReplayedImage;

    before(async function () {
      requireOrSkip(this, 'the replayed image (it needs helm)', helmPrerequisite());
      this.timeout(20 * 60_000); // npm ci, and the first build of helm on a machine
      scratch = await mkdtemp(join(tmpdir(), 'mesitis-image-'));
      image = await replayImage(stages, REPO, scratch, { [HELM_PACKAGE]: await buildHelm() });
    });

    after(async function () {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('has helm on PATH, the version tools/helm/go.mod pins', async function () {
      const helm = image.hostPath('/usr/local/bin/helm');
      const version = await new Promise<string>((resolve, reject) => {
        const child = spawn(helm, ['version', '--short'], { env: cleanEnv({ HOME: scratch }), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(out.trim()));
      });
      expect(version).to.match(new RegExp(`^${helmVersion().replace(/\./g, '\\.')}\\b`));
    });

    it('has no development dependencies', async function () {
      const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
      const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev === true && path.startsWith('node_modules/')).map(([path]) => path);
      expect(devOnly).to.include('node_modules/typescript');
      const present = devOnly.filter((path) => existsSync(image.hostPath(path)));
      expect(present).to.deep.equal([]);
      expect(existsSync(image.hostPath('node_modules/koa/package.json'))).to.equal(true);
    });

    it('starts the broker, answers /healthz and /readyz, and writes nothing to its filesystem', async function () {
      this.timeout(60_000);
      const before = await snapshot(image.root);
      const port = await freePort();
      // ENTRYPOINT with `dev` for CMD: serve needs a cluster; the image is the same.
      const [, script, ...rest] = image.entrypoint;
      const home = await mkdtemp(join(tmpdir(), 'mesitis-home-'));
      const child = spawn(process.execPath, [image.hostPath(script!), ...rest, 'dev', '--manifests', image.hostPath('examples'), '--port', String(port)], {
        cwd: image.hostPath('.'),
        env: cleanEnv({ ...image.env, HOME: home }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const url = `http://127.0.0.1:${port}`;
        const healthz = await waitForHealthz(url, child, () => output);
        expect(healthz.status).to.equal(200);
        expect((await fetch(`${url}/readyz`)).status).to.equal(200);
        const catalog = await fetch(`${url}/v2/catalog`, { headers: { 'X-Broker-API-Version': '2.17' } });
        expect(catalog.status, output).to.equal(200);
      } finally {
        child.kill('SIGTERM');
        await exited;
        await rm(home, { recursive: true, force: true });
      }
      const after = await snapshot(image.root);
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path));
      expect(changed, 'paths written under the image root').to.deep.equal([]);
    });
  });
});
