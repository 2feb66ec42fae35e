/**
 * The two shapes of output: aligned text tables for people, JSON for scripts.
 * Cells are made single-line, so one row is always one line for grep and awk.
 */
import type { CliIo } from './cli-io.js';

const oneLine = (cell: string): string => cell.replace(/\s*\n\s*/g, ' ');

/** Columns separated by at least three spaces, like kubectl; no trailing blanks. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, column) => oneLine(row[column] ?? '')));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join('').trimEnd())
    .join('\n');
}

/** A two-column table without headers, for one object's fields. */
export const fields = (pairs: readonly (readonly [string, string])[]): string =>
  table(['', ''], pairs).split('\n').slice(1).join('\n');

export function printTable(io: CliIo, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  io.out.write(`${table(headers, rows)}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}
