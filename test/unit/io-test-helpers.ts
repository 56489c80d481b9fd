import { readBatches, type InputFormat, type ReadBatch } from '../../src/io/read-readings.js';
import type { Reading, RowError } from '../../src/schema/reading.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { RowValidator } from '../../src/schema/row-validator.js';
import { defaultValidationOptions } from '../../src/schema/validation-options.js';

export function makeValidator(schema = 'default'): RowValidator {
  return new RowValidator(builtinSchemas.get(schema)!, defaultValidationOptions());
}

/** Splits bytes into chunks of `size` (the whole input as one chunk when size is 0). */
export function chunked(input: string | Uint8Array, size = 0): Buffer[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (size <= 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function* iterate(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

export interface ReadResult {
  readings: Reading[];
  errors: RowError[];
  batches: ReadBatch[];
}

export interface ReadTestOptions {
  format?: InputFormat | 'auto';
  chunkSize?: number;
  batchSize?: number;
  maxRecordBytes?: number;
  schema?: string;
}

/** Reads the whole input through readBatches, fed in chunks of `chunkSize` bytes. */
export async function readAll(
  input: string | Uint8Array | Buffer[],
  options: ReadTestOptions = {},
): Promise<ReadResult> {
  const chunks = Array.isArray(input) ? input : chunked(input, options.chunkSize ?? 0);
  const result: ReadResult = { readings: [], errors: [], batches: [] };
  const batches = readBatches(iterate(chunks), {
    format: options.format ?? 'auto',
    validator: makeValidator(options.schema),
    batchSize: options.batchSize ?? 1000,
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  });
  for await (const batch of batches) {
    result.batches.push(batch);
    result.readings.push(...batch.readings);
    result.errors.push(...batch.errors);
  }
  return result;
}

/** The ImindError a read throws (fails the test when it does not throw). */
export async function readError(
  input: string | Uint8Array | Buffer[],
  options: ReadTestOptions = {},
): Promise<Error & { code?: string }> {
  try {
    await readAll(input, options);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the read to fail');
}

export const HEADER = 'timestamp,machine_id,temperature,vibration,pressure,power';
export const ROW = '2024-01-15T10:30:00Z,MACHINE_001,65.5,1.2,45.0,250.0';
export const TS = Date.UTC(2024, 0, 15, 10, 30, 0);

/** A valid CSV row for machine `id` with temperature `t`. */
export function row(id = 'MACHINE_001', t = 65.5): string {
  return `2024-01-15T10:30:00Z,${id},${t},1.2,45.0,250.0`;
}

/** A valid reading object for JSON inputs. */
export function readingObject(id = 'M1', t = 65.5): Record<string, unknown> {
  return {
    timestamp: '2024-01-15T10:30:00Z',
    machine_id: id,
    temperature: t,
    vibration: 1.2,
    pressure: 45,
    power: 250,
  };
}
