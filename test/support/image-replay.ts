/**
 * Replays a Dockerfile without a container engine, enough to try the image
 * it describes: each stage gets a directory standing for its filesystem
 * root; COPY copies from the checkout or from an earlier stage; RUN runs
 * only `npm ci ...`. The stage that compiles (`RUN npm run build`) is not
 * replayed: the checkout, after `npm run build`, stands for it. A stage that
 * runs `go build` is not replayed either: a binary the tests built from the
 * same Go module stands for its output (`-o`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readdir } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { last, parseCopy, splitFlags, words, type Stage } from './dockerfile.js';

export interface ReplayedImage {
  /** Directory standing for the final stage's `/`. */
  readonly root: string;
  readonly workdir: string; // in image terms, e.g. /app
  readonly env: Record<string, string>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** A path inside the image, as a path on this machine. */
  hostPath(imagePath: string): string;
}

/** The stage the checkout stands for. */
export const isCompileStage = (stage: Stage): boolean =>
  stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args));

/** A `go build -o OUT PACKAGE` in a RUN: what it builds and where it puts it. */
export interface GoBuild {
  readonly output: string;
  readonly target: string;
  readonly args: string;
}

export function goBuildOf(stage: Stage): GoBuild | undefined {
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'RUN') continue;
    const build = /\bgo build\b(.*)$/.exec(instruction.args);
    if (build === null) continue;
    const output = /\s-o\s+(\S+)/.exec(build[1]!)?.[1];
    const target = build[1]!.trim().split(/\s+/).at(-1);
    if (output !== undefined && target !== undefined) return { output, target, args: build[1]!.trim() };
  }
  return undefined;
}

interface StagePaths {
  readonly root: string;
  readonly checkout: boolean;
  workdir: string;
}

/**
 * `goBinaries` maps the package a `go build` stage builds (e.g.
 * helm.sh/helm/v4/cmd/helm) to a binary built on this machine from the same
 * go.mod, which is copied to the stage's `-o` path instead of running go.
 */
export async function replayImage(stages: readonly Stage[], context: string, scratch: string, goBinaries: Readonly<Record<string, string>> = {}): Promise<ReplayedImage> {
  const done = new Map<string, StagePaths>();
  let final: ReplayedImage | undefined;
  for (const stage of stages) {
    const checkout = isCompileStage(stage);
    const paths: StagePaths = { root: checkout ? context : join(scratch, `stage-${stage.index}`), checkout, workdir: '/' };
    const hostPath = (imagePath: string): string => stageHostPath(paths, imagePath);
    const env: Record<string, string> = {};
    const goBuild = goBuildOf(stage);
    if (goBuild !== undefined) {
      const binary = goBinaries[goBuild.target];
      if (binary === undefined) throw new Error(`stage ${stage.name ?? stage.index} builds ${goBuild.target} with go: no stand-in binary given`);
      await mkdir(join(hostPath(goBuild.output), '..'), { recursive: true });
      await cp(binary, hostPath(goBuild.output));
      done.set(String(stage.index), paths);
      if (stage.name !== undefined) done.set(stage.name, paths);
      continue;
    }
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'WORKDIR') paths.workdir = posix.resolve(paths.workdir, instruction.args);
      if (checkout) continue;
      if (instruction.keyword === 'WORKDIR') await mkdir(hostPath('.'), { recursive: true });
      if (instruction.keyword === 'ENV') Object.assign(env, parseEnv(instruction.args));
      if (instruction.keyword === 'RUN') await runNpmCi(instruction.args, hostPath('.'), instruction.line);
      if (instruction.keyword === 'COPY') {
        const copy = parseCopy(instruction);
        const from = copy.from === undefined ? undefined : done.get(copy.from);
        if (copy.from !== undefined && from === undefined) throw new Error(`line ${instruction.line}: no stage ${copy.from}`);
        for (const source of copy.sources) {
          const origin = from ? stageHostPath(from, source) : join(context, source);
          const into = copy.dest.endsWith('/') || copy.sources.length > 1 ? posix.join(copy.dest, posix.basename(source)) : copy.dest;
          await cp(origin, hostPath(into), { recursive: true });
        }
      }
    }
    done.set(String(stage.index), paths);
    if (stage.name !== undefined) done.set(stage.name, paths);
    final = {
      root: paths.root,
      workdir: paths.workdir,
      env,
      entrypoint: words(last(stage, 'ENTRYPOINT')?.args ?? '[]'),
      cmd: words(last(stage, 'CMD')?.args ?? '[]'),
      hostPath,
    };
  }
  if (final === undefined) throw new Error('no stages');
  return final;
}

/** Where an image path of a stage is on this machine; for the compile stage, in the checkout under its WORKDIR. */
function stageHostPath(stage: StagePaths, imagePath: string): string {
  const absolute = posix.resolve(stage.workdir, imagePath);
  if (!stage.checkout) return join(stage.root, absolute);
  const inContext = posix.relative(stage.workdir, absolute);
  if (inContext.startsWith('..')) throw new Error(`${absolute} is outside the compile stage's WORKDIR ${stage.workdir}`);
  return join(stage.root, inContext);
}

function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(
    args.split(/\s+/).filter((pair) => pair.includes('=')).map((pair) => pair.split('=', 2) as [string, string]),
  );
}

/** The environment of a clean shell: none of the npm_* variables `npx mocha` inherits. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => !e[0].toLowerCase().startsWith('npm_') && e[1] !== undefined));
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

async function runNpmCi(args: string, cwd: string, line: number): Promise<void> {
  const { rest } = splitFlags(args); // --mount=type=cache,...: the local npm cache plays that part
  if (!/^npm ci\b/.test(rest)) throw new Error(`line ${line}: the replay runs only "npm ci ..." commands, not: ${rest}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', rest], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`line ${line}: ${rest} failed (exit ${code}) in ${cwd}:\n${output.slice(-3000)}`))));
  });
}

/** Every path under dir (relative, '/'-separated) with size and mtime: a before/after picture of writes. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      const info = await lstat(full);
      result.set(relative(dir, full), `${info.size}:${info.mtimeMs}`);
      if (entry.isDirectory()) await walk(full);
    }
  };
  if (existsSync(dir)) await walk(dir);
  return result;
}
