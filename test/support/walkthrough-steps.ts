/**
 * The commands of one section of docs/walkthrough.md, run as the page shows
 * them: a test walks a section step by step, in the page's order, and each
 * `$ mesitis ...` line runs exactly as written. What the page shows under a
 * command must be what it prints (progress lines, whose count depends on
 * timing, aside), so the page cannot drift from the CLI unnoticed.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { REPO_ROOT } from './broker-process.js';

export interface DocStep {
  readonly command: string;
  /** The lines the page shows under the command. */
  readonly shown: readonly string[];
}

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The `$ ` lines of the section's console blocks, each with the output shown under it. */
export function walkthroughSteps(sectionTitle: string, page = readFileSync(`${REPO_ROOT}docs/walkthrough.md`, 'utf8')): DocStep[] {
  const section = page.split(/^## /m).find((candidate) => candidate.startsWith(sectionTitle));
  if (section === undefined) throw new Error(`docs/walkthrough.md has no section "## ${sectionTitle}"`);
  const steps: { command: string; shown: string[] }[] = [];
  for (const block of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n').filter((text) => text !== '')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2).trim(), shown: [] });
      else steps.at(-1)?.shown.push(line);
    }
  }
  return steps;
}

/**
 * Timestamps (expiry), maintenance levels (a hash of the templates, which a
 * test may adjust) and column padding differ from the page's run; the rest
 * must not.
 */
const normalise = (line: string): string =>
  line
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>')
    .replace(/\d+\.\d+\.\d+\+[0-9a-f]{12}/g, '<version>')
    .replace(/\s+/g, ' ')
    .trim();

const isProgress = (line: string): boolean => /^waiting for /.test(line);

export class WalkthroughSection {
  private next = 0;
  private readonly steps: readonly DocStep[];

  /** `mesitis` runs a `mesitis` command line's arguments as the consuming team would. */
  constructor(private readonly title: string, private readonly mesitis: (args: string[]) => Promise<Ran>) {
    this.steps = walkthroughSteps(title);
  }

  /** Runs the page's next step, which must begin with `start`, and checks it succeeds printing what the page shows. */
  async run(start: string): Promise<Ran> {
    const step = this.take(start);
    expect(step.command, 'a command the test can run without a shell').to.match(/^mesitis [^'"$|;&]+$/);
    const ran = await this.mesitis(step.command.split(/\s+/).slice(1));
    expect(ran.code, `${step.command}\n${ran.err}`).to.equal(0);
    const printed = new Set(`${ran.out}\n${ran.err}`.split('\n').map(normalise));
    const missing = step.shown.filter((line) => !isProgress(line) && !printed.has(normalise(line)));
    expect(missing, `"${step.command}" printed:\n${ran.out}${ran.err}`).to.deep.equal([]);
    return ran;
  }

  /** Passes over a step that is not a mesitis command (kubectl, helm): the test checks what it shows itself, with the lines the page shows. */
  skip(start: string): readonly string[] {
    return this.passOver(start).shown;
  }

  /** skip(), with the command as the page writes it (for a test that reads a value out of it). */
  passOver(start: string): DocStep {
    return this.take(start);
  }

  /** Every step of the section was run or passed over. */
  finished(): void {
    expect(this.steps.slice(this.next).map((step) => step.command), `steps of "${this.title}" not run`).to.deep.equal([]);
  }

  private take(start: string): DocStep {
    const step = this.steps[this.next];
    expect(step?.command, `the next step of "${this.title}"`).to.satisfy((command: string | undefined) => command?.startsWith(start));
    this.next += 1;
    return step!;
  }
}
