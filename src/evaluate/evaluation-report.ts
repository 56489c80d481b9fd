import { rename, unlink, writeFile } from 'node:fs/promises';
import { ImindError, describeError } from '../errors.js';
import { formatTimestamp } from '../schema/timestamp.js';
import type { EvaluationResult } from './skab-protocol.js';

/** The one JSON object `evaluate --json` prints (keys in snake_case; far/mar as fractions, NAB on 0..100). */
export function evaluationJson(r: EvaluationResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    detector: r.detector,
    f1: r.f1,
    far: r.far,
    mar: r.mar,
    nab_standard: r.nab.standard,
    nab_lowfp: r.nab.lowfp,
    nab_lowfn: r.nab.lowfn,
    files: r.runs.length,
    rows: r.rows,
    tp: r.confusion.tp,
    fp: r.confusion.fp,
    fn: r.confusion.fn,
    tn: r.confusion.tn,
    fit_ms_per_file: round(r.meanFitMs, 1),
    score_ms_per_file: round(r.meanScoreMs, 1),
    ...extra,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const num = (x: number | null, digits: number): string => (x === null ? 'n/a' : x.toFixed(digits));

export const TABLE_HEADER = [
  'detector',
  'F1',
  'FAR',
  'MAR',
  'NAB standard',
  'NAB LowFP',
  'NAB LowFN',
  'fit ms/file',
  'score ms/file',
];

export function tableRow(r: EvaluationResult, label: string = r.detector): string[] {
  return [
    label,
    num(r.f1, 3),
    pct(r.far),
    pct(r.mar),
    num(r.nab.standard, 2),
    num(r.nab.lowfp, 2),
    num(r.nab.lowfn, 2),
    r.meanFitMs.toFixed(1),
    r.meanScoreMs.toFixed(1),
  ];
}

/** A GitHub-flavoured markdown table of results. */
export function markdownTable(rows: readonly string[][], header: readonly string[] = TABLE_HEADER): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
}

/** Plain aligned text table for a terminal. */
export function textTable(rows: readonly string[][], header: readonly string[] = TABLE_HEADER): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return (
    all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

/** Writes `file,row,timestamp,score,is_anomaly` for every scored row (row: 0-based data row index), atomically. */
export async function writePredictionsCsv(path: string, r: EvaluationResult): Promise<void> {
  const parts: string[] = ['file,row,timestamp,score,is_anomaly\n'];
  for (const run of r.runs) {
    const file = /[",\n\r]/.test(run.file) ? `"${run.file.replace(/"/g, '""')}"` : run.file;
    for (const row of run.rows ?? [])
      parts.push(`${file},${row.row},${formatTimestamp(row.timestamp)},${row.score},${row.isAnomaly}\n`);
  }
  const temp = `${path}.imind-tmp-${process.pid}`;
  try {
    await writeFile(temp, parts.join(''));
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new ImindError('output_unwritable', `cannot write ${path}: ${describeError(error)}`);
  }
}
