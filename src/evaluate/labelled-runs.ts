import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ImindError, describeError } from '../errors.js';
import type { FeatureSchema } from '../schema/feature-schema.js';
import type { Reading, RowError } from '../schema/reading.js';
import { RowValidator, isRowError } from '../schema/row-validator.js';
import { defaultValidationOptions } from '../schema/validation-options.js';

/** One labelled machine run (a SKAB CSV): its valid readings in file order, with labels. */
export interface LabelledRun {
  /** Path relative to the data folder, with "/" separators. */
  file: string;
  readings: Reading[];
  /** 0-based data row index in the file of each reading (invalid rows are skipped). */
  index: Int32Array;
  /** 1 where the row is labelled anomalous. */
  labels: Uint8Array;
  /** 1 where the row is a labelled changepoint (from the `changepoint` column, or label transitions without one). */
  changepoints: Uint8Array;
  /** Data rows in the file, valid or not. */
  dataRows: number;
  errors: RowError[];
  sha256: string;
}

export interface RunListing {
  runs: string[];
  /** Files passed over, with why (e.g. anomaly-free.csv, no `anomaly` column). */
  skipped: { file: string; reason: string }[];
}

const LABEL_COLUMN = 'anomaly';
const CHANGEPOINT_COLUMN = 'changepoint';

/** Every *.csv under `dir` (recursive, sorted naturally), less anomaly-free.csv. Header checks happen on load. */
export async function listCsvFiles(dir: string): Promise<string[]> {
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new ImindError('input_unreadable', `data folder not found: ${dir}`);
  }
  if (!info.isDirectory()) throw new ImindError('usage', `--data must name a folder, got a file: ${dir}`);
  const out: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const e of entries) {
      const path = join(folder, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isDirectory());
      if (isDir) await walk(path);
      else if (e.name.toLowerCase().endsWith('.csv')) out.push(path);
    }
  };
  await walk(dir);
  const collator = new Intl.Collator('en', { numeric: true });
  return out.sort((a, b) => collator.compare(a, b));
}

/**
 * Loads the labelled runs under `dir`: ';'- or ','-separated CSV with a header, the
 * schema's columns (aliases allowed) plus `anomaly` (and optionally `changepoint`).
 * Files named anomaly-free.csv and files without an `anomaly` column are skipped.
 */
export async function loadLabelledRuns(
  dir: string,
  schema: FeatureSchema,
): Promise<{ runs: LabelledRun[]; skipped: RunListing['skipped'] }> {
  const files = await listCsvFiles(dir);
  const runs: LabelledRun[] = [];
  const skipped: RunListing['skipped'] = [];
  const validator = new RowValidator(schema, defaultValidationOptions({ clockSkewMs: Number.MAX_SAFE_INTEGER / 2 }));
  for (const path of files) {
    const file = relative(dir, path).split(sep).join('/');
    if (path.toLowerCase().endsWith(`${sep}anomaly-free.csv`) || file.toLowerCase() === 'anomaly-free.csv') {
      skipped.push({ file, reason: 'anomaly-free data (no labels)' });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new ImindError('input_unreadable', `cannot read ${file}: ${describeError(error)}`);
    }
    const run = parseLabelledCsv(file, bytes, validator);
    if (run === null) skipped.push({ file, reason: `no "${LABEL_COLUMN}" column` });
    else runs.push(run);
  }
  return { runs, skipped };
}

/** Parses one labelled CSV; null when it has no `anomaly` column. */
export function parseLabelledCsv(file: string, bytes: Buffer, validator: RowValidator): LabelledRun | null {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new ImindError('input_malformed', `${file} is empty`);
  const delimiter = lines[0]!.includes(';') ? ';' : ',';
  const header = lines[0]!.split(delimiter).map((h) => h.trim());
  const labelColumn = header.indexOf(LABEL_COLUMN);
  if (labelColumn < 0) return null;
  const changepointColumn = header.indexOf(CHANGEPOINT_COLUMN);
  let map;
  try {
    map = validator.columnMap(header);
  } catch (error) {
    if (error instanceof ImindError)
      throw new ImindError(error.code, `${file}: ${error.message}`, { hint: error.hint });
    throw error;
  }
  const dataRows = lines.length - 1;
  const readings: Reading[] = [];
  const index: number[] = [];
  const labels: number[] = [];
  const changepoints: number[] = [];
  const errors: RowError[] = [];
  for (let i = 0; i < dataRows; i++) {
    const cells = lines[i + 1]!.split(delimiter);
    const result = validator.validateCells(i + 1, cells, map);
    if (isRowError(result)) {
      errors.push(result);
      continue;
    }
    const label = Number(cells[labelColumn]);
    if (label !== 0 && label !== 1) {
      errors.push({
        row: i + 1,
        field: LABEL_COLUMN,
        message: `${LABEL_COLUMN} must be 0 or 1, got ${JSON.stringify(cells[labelColumn] ?? '')}`,
      });
      continue;
    }
    readings.push(result);
    index.push(i);
    labels.push(label);
    changepoints.push(changepointColumn >= 0 && Number(cells[changepointColumn]) === 1 ? 1 : 0);
  }
  if (changepointColumn < 0)
    for (let k = 0; k < labels.length; k++) changepoints[k] = k > 0 && labels[k] !== labels[k - 1] ? 1 : 0;
  return {
    file,
    readings,
    index: Int32Array.from(index),
    labels: Uint8Array.from(labels),
    changepoints: Uint8Array.from(changepoints),
    dataRows,
    errors,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
