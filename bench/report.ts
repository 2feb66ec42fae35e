/**
 * The bench's results: one section per scenario, each a table plus the goals
 * it is measured against and notes on what holds a missed goal back.
 * Written as JSON (bench/results/latest.json) and printed as Markdown, the
 * form the README's "Performance" section keeps.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';

export type Cell = string | number;

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface Section {
  readonly name: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
  /** Everything measured, for the JSON file. */
  readonly data: unknown;
}

export interface Machine {
  readonly cpu: string;
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine shows here. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly machine: Machine;
  /** Servers the run used (apiserver and Redis versions). */
  readonly servers: readonly string[];
  readonly sections: readonly Section[];
  /** Scenarios that failed, with the error: these make the run exit non-zero. */
  readonly errors: readonly { readonly scenario: string; readonly error: string }[];
}

export const loadAverage = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

export function machine(loadAtStart: number): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: loadAtStart, end: loadAverage() },
  };
}

const cell = (value: Cell): string => (typeof value === 'number' ? formatNumber(value) : value);

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
}

export function markdownTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const header = `| ${columns.join(' | ')} |`;
  const rule = `| ${columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`;
  return [header, rule, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

export function renderSection(section: Section): string {
  const lines = [`### ${section.title}`, '', markdownTable(section.columns, section.rows), ''];
  for (const goal of section.goals) lines.push(`- Goal: ${goal.goal}. Measured: ${goal.measured}. **${goal.met ? 'met' : 'missed'}**`);
  for (const note of section.notes) lines.push(`- ${note}`);
  return lines.join('\n').trimEnd();
}

export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const lines = [
    `Run ${report.startedAt} (${report.mode}) on ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; ` +
      `load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end.`,
    ...(report.servers.length > 0 ? [`Servers: ${report.servers.join('; ')}.`] : []),
    `Command: \`${report.command}\``,
    '',
    ...report.sections.flatMap((section) => [renderSection(section), '']),
  ];
  if (report.errors.length > 0) {
    lines.push('### Errors', '');
    for (const e of report.errors) lines.push(`- ${e.scenario}: ${e.error}`);
  }
  return lines.join('\n').trimEnd() + '\n';
}

export async function writeReport(path: string, report: Report): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(report, null, 2) + '\n');
}
