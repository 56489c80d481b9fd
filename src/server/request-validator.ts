import type { z } from 'zod';
import type { FeatureSchema, FeatureSpec } from '../schema/feature-schema.js';
import type { Reading, RowError } from '../schema/reading.js';
import { RowValidator, isRowError } from '../schema/row-validator.js';
import { rangeProblem, type ValidationOptions } from '../schema/validation-options.js';
import { HttpError, type ValidationIssue } from './http-error.js';
import type { ApiSchemas } from './api-schemas.js';

/** Most issues listed in one 422 body. */
const MAX_ISSUES = 50;

/**
 * Validates request bodies with the schema's rules. Valid bodies take the fast
 * path (RowValidator.validateObject plus a known-fields check, no zod); an
 * invalid body is re-checked with the zod schema (the one the OpenAPI document
 * shows) to list every field at fault. Throws HttpError 422.
 */
export class RequestValidator {
  private readonly rows: RowValidator;
  private readonly known: Set<string>;
  private readonly features: Map<string, FeatureSpec>;
  private readonly readingZod: z.ZodType;
  private readonly batchZod: z.ZodType;

  constructor(
    schema: FeatureSchema,
    options: ValidationOptions,
    private readonly maxBatch: number,
    schemas: Pick<ApiSchemas, 'reading' | 'batchRequest'>,
  ) {
    this.rows = new RowValidator(schema, options);
    this.known = new Set(['timestamp', 'machine_id', ...schema.features.map((f) => f.name)]);
    this.features = new Map(schema.features.map((f) => [f.name, f]));
    this.readingZod = schemas.reading;
    this.batchZod = schemas.batchRequest;
  }

  /** The body of POST /predict: one reading. */
  reading(body: unknown): Reading {
    let fast: RowError | null = null;
    if (this.hasOnlyKnownFields(body)) {
      const result = this.rows.validateObject(1, body);
      if (!isRowError(result)) return result;
      fast = result;
    }
    const error = this.failure(this.readingZod, body, fast, '');
    if (isObject(body) && 'readings' in body) {
      return throwWith(
        error,
        'a batch ({"readings": [...]}) goes to POST /predict/batch; POST /predict takes one reading',
      );
    }
    throw error;
  }

  /** The body of POST /predict/batch: `{"readings": [...]}`, every reading valid, order kept. */
  batch(body: unknown): Reading[] {
    let fast: RowError | null = null;
    const readings = this.readingsOf(body);
    if (readings) {
      const out = new Array<Reading>(readings.length);
      let i = 0;
      for (; i < readings.length; i++) {
        const item = readings[i];
        const result = this.hasOnlyKnownFields(item) ? this.rows.validateObject(i + 1, item) : null;
        if (result === null || isRowError(result)) {
          fast = result;
          break;
        }
        out[i] = result;
      }
      if (i === readings.length) return out;
    }
    throw this.failure(this.batchZod, body, fast, 'readings.');
  }

  private readingsOf(body: unknown): unknown[] | null {
    if (!isObject(body)) return null;
    for (const key in body) if (key !== 'readings') return null;
    const readings = body.readings;
    if (!Array.isArray(readings) || readings.length < 1 || readings.length > this.maxBatch) return null;
    return readings;
  }

  private hasOnlyKnownFields(value: unknown): value is Record<string, unknown> {
    if (!isObject(value)) return false;
    for (const key in value) if (!this.known.has(key)) return false;
    return true;
  }

  private failure(schema: z.ZodType, body: unknown, fast: RowError | null, rowPrefix: string): HttpError {
    const parsed = schema.safeParse(body, { reportInput: true });
    let issues: ValidationIssue[];
    if (!parsed.success) issues = parsed.error.issues.flatMap((issue) => this.describe(issue));
    else if (fast) issues = [fromRowError(fast, rowPrefix)];
    else issues = [{ path: '', message: 'is not a valid request' }];
    const shown = issues.slice(0, MAX_ISSUES);
    const first = shown[0]!;
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'problem' : 'problems'})` : '';
    return new HttpError('validation_failed', `${first.path || 'body'} ${first.message}${more}`, { issues: shown });
  }

  private describe(issue: z.core.$ZodIssue): ValidationIssue[] {
    const path = issue.path.map(String);
    const at = path.join('.');
    const field = path[path.length - 1] ?? '';
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          path: [...path, key].join('.'),
          message: `is not a known field (known: ${[...this.known].join(', ')})`,
        }));
      case 'invalid_type':
        if (input === undefined) return [{ path: at, message: 'is missing' }];
        // A number where a number belongs failed only for being NaN or infinite (1e309 parses to Infinity).
        if (typeof input === 'number' && issue.expected === 'number')
          return [{ path: at, message: 'is not a finite number' }];
        return [{ path: at, message: `must be ${article(issue.expected)}, got ${describeJsonType(input)}` }];
      case 'too_big':
      case 'too_small': {
        const spec = this.features.get(field);
        if (issue.origin === 'number' && spec && typeof input === 'number') {
          return [{ path: at, message: rangeProblem(input, spec.min, spec.max) ?? issue.message }];
        }
        if (issue.origin === 'array' && Array.isArray(input)) {
          return [{ path: at, message: `must hold 1 to ${this.maxBatch} readings, got ${input.length}` }];
        }
        if (issue.origin === 'string')
          return [{ path: at, message: issue.code === 'too_big' ? 'is too long' : 'is too short' }];
        return [{ path: at, message: issue.message }];
      }
      default: {
        // Custom checks (timestamp, machine_id) say "<field> <problem>".
        const message =
          field && issue.message.startsWith(`${field} `) ? issue.message.slice(field.length + 1) : issue.message;
        return [{ path: at, message }];
      }
    }
  }
}

function throwWith(error: HttpError, detail: string): never {
  throw new HttpError(error.code, detail, error.options);
}

function fromRowError(error: RowError, rowPrefix: string): ValidationIssue {
  const row = rowPrefix ? `${rowPrefix}${error.row - 1}` : '';
  const path = [row, error.field ?? ''].filter(Boolean).join('.');
  const message =
    error.field && error.message.startsWith(`${error.field} `)
      ? error.message.slice(error.field.length + 1)
      : error.message;
  return { path, message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : article(typeof value);
}
