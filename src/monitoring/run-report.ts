import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { ImindError, describeError } from '../errors.js';
import { VERSION } from '../version.js';
import type { DriftReport } from './drift.js';

export const RUN_REPORT_FORMAT = 'imind-run-report/1';

export type RunStatus = 'ok' | 'invalid_rows' | 'anomalies_found' | 'interrupted' | 'failed';

/** What one `imind predict` run did: written by --report, pushed by --pushgateway. */
export interface RunReport {
  format: typeof RUN_REPORT_FORMAT;
  imind_version: string;
  command: 'predict';
  /** The input file, or "-" for stdin. */
  input: string;
  output: string | null;
  started_at: string;
  finished_at: string;
  duration_seconds: number;
  exit_status: number;
  status: RunStatus;
  /** The error that ended the run, for status "failed" or "interrupted". */
  error: string | null;
  model: { path: string; version: string; schema: string; detector: string; threshold: number } | null;
  rows: { read: number; scored: number; invalid: number; anomalous: number };
  anomalies_by_machine: Record<string, number>;
  /** Every scored reading against the training distribution; null when the model was not loaded. */
  drift: DriftReport | null;
}

/** What a run's exit status says. */
export function runStatus(exitStatus: number): RunStatus {
  switch (exitStatus) {
    case 0:
      return 'ok';
    case 3:
      return 'invalid_rows';
    case 4:
      return 'anomalies_found';
    case 130:
    case 143:
      return 'interrupted';
    default:
      return 'failed';
  }
}

/** Anomalies per machine as a plain object, machines sorted by name (a stable report). */
export function anomaliesByMachine(counts: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of [...counts.keys()].sort()) out[id] = counts.get(id)!;
  return out;
}

/** Writes the report as JSON, atomically (a temporary file beside it, renamed into place). */
export async function writeRunReport(path: string, report: RunReport): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such folder' : code === 'EACCES' ? 'permission denied' : describeError(error);
    throw new ImindError('output_unwritable', `cannot write the run report ${path}: ${reason}`);
  }
}

export function emptyReport(input: string, output: string | null, started: Date): RunReport {
  return {
    format: RUN_REPORT_FORMAT,
    imind_version: VERSION,
    command: 'predict',
    input,
    output,
    started_at: started.toISOString(),
    finished_at: started.toISOString(),
    duration_seconds: 0,
    exit_status: 0,
    status: 'ok',
    error: null,
    model: null,
    rows: { read: 0, scored: 0, invalid: 0, anomalous: 0 },
    anomalies_by_machine: {},
    drift: null,
  };
}
