import { z } from 'zod';
import type { FeatureSchema } from './feature-schema.js';
import { parseTimestamp } from './timestamp.js';
import { machineIdProblem, timestampProblem, type ValidationOptions } from './validation-options.js';

/**
 * The zod schema of one reading (HTTP bodies, OpenAPI docs), built from the
 * feature schema. Unknown fields are rejected; numbers must be finite.
 */
export function readingSchema(schema: FeatureSchema, options: ValidationOptions) {
  const shape: Record<string, z.ZodType> = {
    timestamp: z
      .string()
      .max(40)
      .superRefine((text, ctx) => {
        const problem = timestampProblem(parseTimestamp(text), options);
        if (problem) ctx.addIssue({ code: 'custom', message: `timestamp ${problem}` });
      })
      .meta({ description: 'ISO-8601; without an offset it is UTC', example: '2024-01-15T10:30:00Z' }),
    machine_id: z
      .string()
      .superRefine((id, ctx) => {
        const problem = machineIdProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: `machine_id ${problem}` });
      })
      .meta({ description: '1..50 characters, no control characters', example: 'MACHINE_001' }),
  };
  if (schema.defaultMachineId !== null) shape.machine_id = (shape.machine_id as z.ZodString).optional();
  for (const f of schema.features) {
    shape[f.name] = z
      .number()
      .min(f.min)
      .max(f.max)
      .meta({ description: `${f.description} (${f.unit}), ${f.min}..${f.max}` });
  }
  return z.strictObject(shape);
}
