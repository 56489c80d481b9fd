import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ImindError, describeError } from '../errors.js';
import { formatFromPath, readBatches, type InputFormat } from '../io/read-readings.js';
import type { FeatureSchema } from '../schema/feature-schema.js';
import type { RowError } from '../schema/reading.js';
import { RowValidator } from '../schema/row-validator.js';
import { defaultValidationOptions } from '../schema/validation-options.js';
import type { TrainingData } from './detector.js';

export interface LoadedTrainingData extends TrainingData {
  invalid: { file: string; error: RowError }[];
  /** The machine_id and timestamp of each row, in row order. */
  machineIds: string[];
  timestamps: number[];
}

/** Reads normal-operation files into one matrix, hashing their bytes for provenance. */
export async function loadTrainingData(
  files: readonly string[],
  schema: FeatureSchema,
  format?: InputFormat,
): Promise<LoadedTrainingData> {
  const validator = new RowValidator(schema, defaultValidationOptions());
  const width = schema.features.length;
  let values = new Float64Array(65_536 * width);
  let rows = 0;
  const machineIds: string[] = [];
  const timestamps: number[] = [];
  const invalid: LoadedTrainingData['invalid'] = [];
  const hash = createHash('sha256');
  for (const file of files) {
    const fileFormat = format ?? formatFromPath(file);
    if (!fileFormat)
      throw new ImindError('usage', `cannot tell the format of ${file} from its extension`, {
        hint: 'use --format csv|json|ndjson',
      });
    const stream = createReadStream(file);
    const hashed = (async function* () {
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    })();
    try {
      for await (const batch of readBatches(hashed, { format: fileFormat, validator, batchSize: 8192 })) {
        for (const error of batch.errors) invalid.push({ file, error });
        for (const reading of batch.readings) {
          if ((rows + 1) * width > values.length) {
            const grown = new Float64Array(values.length * 2);
            grown.set(values);
            values = grown;
          }
          values.set(reading.values, rows * width);
          machineIds.push(reading.machineId);
          timestamps.push(reading.timestamp);
          rows++;
        }
      }
    } catch (error) {
      if (error instanceof ImindError)
        throw new ImindError(error.code, `${file}: ${error.message}`, { hint: error.hint });
      throw new ImindError('input_unreadable', `cannot read ${file}: ${describeError(error)}`);
    }
  }
  return {
    schema,
    values: values.subarray(0, rows * width),
    rows,
    dataSha256: hash.digest('hex'),
    files: [...files],
    invalid,
    machineIds,
    timestamps,
  };
}

/** Splits loaded data by machine_id, each machine's rows in timestamp order (stable for ties). */
export function splitByMachine(data: LoadedTrainingData): Map<string, TrainingData> {
  const width = data.schema.features.length;
  const rowsOf = new Map<string, number[]>();
  data.machineIds.forEach((id, r) => {
    let list = rowsOf.get(id);
    if (!list) rowsOf.set(id, (list = []));
    list.push(r);
  });
  const out = new Map<string, TrainingData>();
  for (const [id, rows] of rowsOf) {
    rows.sort((a, b) => data.timestamps[a]! - data.timestamps[b]! || a - b);
    const values = new Float64Array(rows.length * width);
    rows.forEach((r, i) => values.set(data.values.subarray(r * width, (r + 1) * width), i * width));
    out.set(id, { schema: data.schema, values, rows: rows.length, dataSha256: data.dataSha256, files: data.files });
  }
  return out;
}
