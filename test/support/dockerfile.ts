/**
 * Just enough of the Dockerfile and .dockerignore formats to check the
 * repository's image recipe without a container engine: instructions per
 * stage (line continuations, comments, build ARGs before FROM), COPY
 * sources and flags, exec-form ENTRYPOINT/CMD, and the ignore patterns.
 */

export interface Instruction {
  readonly keyword: string; // upper case: FROM, COPY, RUN, ...
  readonly args: string; // the rest of the line, continuations joined
  readonly line: number; // 1-based line where it starts
}

export interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  readonly image: string; // after ARG substitution
  readonly instructions: readonly Instruction[];
}

export interface Copy {
  readonly from: string | undefined; // --from=<stage>
  readonly sources: readonly string[];
  readonly dest: string;
}

export function parseDockerfile(text: string): Stage[] {
  const instructions = logicalLines(text);
  const buildArgs = new Map<string, string>();
  const stages: { index: number; name: string | undefined; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    const current = stages[stages.length - 1];
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(instruction.args.replace(/--platform=\S+\s+/, ''));
      if (!match?.[1]) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      const image = match[1].replace(/\$\{?(\w+)\}?/g, (_, name: string) => buildArgs.get(name) ?? '');
      stages.push({ index: stages.length, name: match[2], image, instructions: [] });
    } else if (current === undefined) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`);
      const [name, value = ''] = instruction.args.split('=', 2);
      buildArgs.set(name!.trim(), value.trim());
    } else {
      current.instructions.push(instruction);
    }
  }
  return stages;
}

/** Joins `\` continuations, drops comments, parser directives and blank lines. */
function logicalLines(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: i + 1 };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (match?.[1]) result.push({ keyword: match[1].toUpperCase(), args: (match[2] ?? '').trim(), line: pending.line });
    pending = undefined;
  });
  return result;
}

/** `--name=value` flags at the start of an instruction's arguments, and the rest. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args;
  for (let match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); match; match = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
    flags.set(match[1]!, match[2] ?? 'true');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** Words of an instruction: the JSON exec form, or whitespace-separated. */
export function words(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return args.split(/\s+/).filter((word) => word !== '');
}

export function parseCopy(instruction: Instruction): Copy {
  const { flags, rest } = splitFlags(instruction.args);
  const parts = words(rest);
  if (parts.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { from: flags.get('from'), sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

/** The last value of a keyword in a stage (WORKDIR, USER, ENTRYPOINT, CMD). */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/**
 * Whether a context path is left out of the build context by .dockerignore:
 * the last pattern matching the path or one of its parent directories wins,
 * `!` re-includes, `*` and `?` stay within one path segment, `**` spans any.
 */
export function isDockerIgnored(path: string, ignoreText: string): boolean {
  const patterns = ignoreText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ negate: line.startsWith('!'), regex: globToRegex(line.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  const segments = path.replace(/^\.\//, '').split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = !pattern.negate;
  }
  return ignored;
}

function globToRegex(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
