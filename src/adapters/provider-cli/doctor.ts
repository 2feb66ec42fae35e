/**
 * The `mesitis doctor` flow, given its use cases (src/main wires them):
 * find drift, show it, and with --fix repair what can be repaired and show
 * what remains. Exit 0 when nothing (is left) to report, 1 otherwise.
 */
import { isClean, type DriftReport, type FindDrift } from '../../application/use-cases/find-drift.js';
import type { RepairDrift } from '../../application/use-cases/repair-drift.js';
import type { CliIo } from '../cli/cli-io.js';
import { driftJson, driftTable, hints, progressLine, summary } from './doctor-report.js';

export interface DoctorRequest {
  readonly fix: boolean;
  readonly output: 'table' | 'json';
}

function show(io: CliIo, report: DriftReport, request: DoctorRequest, fixed: boolean): void {
  if (request.output === 'json') {
    io.out.write(`${JSON.stringify(driftJson(report), null, 2)}\n`);
    return;
  }
  if (!isClean(report)) io.out.write(`${driftTable(report)}\n`);
  io.out.write(`${summary(report)}\n`);
  for (const hint of hints(report, fixed)) io.err.write(`hint: ${hint}\n`);
}

export async function runDoctor(find: FindDrift, repair: RepairDrift, request: DoctorRequest, io: CliIo): Promise<number> {
  const found = await find.execute();
  if (!found.ok) {
    io.err.write(`mesitis doctor: could not check for drift: ${found.error.message}\n`);
    return 1;
  }
  if (!request.fix || isClean(found.value)) {
    show(io, found.value, request, false);
    return isClean(found.value) ? 0 : 1;
  }
  // Progress goes where a script does not read: stderr with -o json.
  const progress = request.output === 'json' ? io.err : io.out;
  if (request.output === 'table') io.out.write(`${driftTable(found.value)}\n${summary(found.value)}\nfixing:\n`);
  const remaining = await repair.execute(found.value, (event) => progress.write(`  ${progressLine(event)}\n`));
  if (!remaining.ok) {
    io.err.write(`mesitis doctor: could not check for drift after fixing: ${remaining.error.message}\n`);
    return 1;
  }
  if (request.output === 'table') io.out.write('after fixing:\n');
  show(io, remaining.value, request, true);
  return isClean(remaining.value) ? 0 : 1;
}
