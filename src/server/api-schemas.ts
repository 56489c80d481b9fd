import { z } from 'zod';
import type { FeatureSchema } from '../schema/feature-schema.js';
import { readingSchema } from '../schema/reading-schema.js';
import type { ValidationOptions } from '../schema/validation-options.js';
import { STATUS_OF, type HttpErrorCode } from './http-error.js';

/**
 * The zod schemas of every request and response body. Requests are validated
 * with the first two (on the error path; see RequestValidator); the OpenAPI
 * document is generated from all of them; tests check real responses against
 * the response schemas, so the docs cannot drift from what the server sends.
 */

/** The seed's example reading where the schema is the seed's, else midpoints of each range. */
export function exampleReading(schema: FeatureSchema): Record<string, string | number> {
  const seed: Record<string, number> = { temperature: 65.5, vibration: 1.2, pressure: 45.0, power: 250.0 };
  const example: Record<string, string | number> = { timestamp: '2024-01-15T10:30:00Z', machine_id: 'MACHINE_001' };
  for (const f of schema.features) example[f.name] = seed[f.name] ?? Number(((f.min + f.max) / 2).toPrecision(4));
  return example;
}

export function readingRequestSchema(schema: FeatureSchema, options: ValidationOptions) {
  return readingSchema(schema, options).meta({
    description: 'One sensor reading. Unknown fields are rejected; numbers must be finite and within range.',
    example: exampleReading(schema),
  });
}

export function batchRequestSchema(
  schema: FeatureSchema,
  options: ValidationOptions,
  maxBatch: number,
  reading = readingRequestSchema(schema, options),
) {
  return z
    .strictObject({
      readings: z
        .array(reading)
        .min(1)
        .max(maxBatch)
        .meta({ description: `1..${maxBatch} readings; predictions come back in the same order` }),
    })
    .meta({
      description: 'A batch of readings, scored in one model call; all must be valid (else 422 naming each field)',
    });
}

export function predictionSchema(schema: FeatureSchema) {
  const shares = Object.fromEntries(schema.features.map((f) => [f.name, z.number().min(0).max(1)]));
  return z
    .strictObject({
      is_anomaly: z.boolean().meta({ description: 'anomaly_score > threshold' }),
      anomaly_score: z
        .number()
        .min(0)
        .meta({ description: 'Reconstruction error of the autoencoder (mean squared error in scaled units)' }),
      threshold: z.number().min(0).meta({ description: "The model's calibrated threshold" }),
      confidence: z.number().min(0).max(1).meta({ description: '|score - threshold| / max(score, threshold)' }),
      timestamp: z.string().meta({
        description: "The reading's timestamp in UTC (ISO-8601, milliseconds, Z)",
        example: '2024-01-15T10:30:00.000Z',
      }),
      machine_id: z.string(),
      contributions: z
        .strictObject(shares)
        .meta({ description: "Each feature's share of the anomaly score (sums to 1; all 0 when the score is 0)" }),
      status: z.enum(['scored', 'warming_up']).optional().meta({
        description:
          "Windowed or alarm-rule models only: warming_up while the machine has fewer readings than the model's window (score 0)",
      }),
      out_of_order: z
        .literal(true)
        .optional()
        .meta({ description: "Present when the reading is older than its machine's newest one" }),
    })
    .meta({ description: 'The anomaly decision for one reading' });
}

export function batchPredictionSchema(prediction: ReturnType<typeof predictionSchema>) {
  return z.strictObject({
    predictions: z.array(prediction).meta({ description: 'One per reading, in request order' }),
    batch_size: z.number().int().min(1),
    inference_time_ms: z.number().min(0).meta({ description: 'Time spent scoring the batch, in milliseconds' }),
  });
}

export const HEALTH_STATUSES = ['healthy', 'loading', 'model_unavailable', 'shutting_down'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const healthSchema = z
  .strictObject({
    status: z.enum(HEALTH_STATUSES).meta({ description: 'healthy once the model is loaded and tested' }),
    model_loaded: z.boolean(),
    model_version: z.string().nullable(),
    uptime_seconds: z.number().min(0),
  })
  .meta({ description: 'Liveness: 200 while the process runs, whatever the model state' });

export const readySchema = z.strictObject({ status: z.literal('ready'), model_version: z.string() }).meta({
  description: 'Readiness: 200 once the model is loaded and a test score succeeded; 503 before and while shutting down',
});

export const serviceInfoSchema = z.strictObject({
  service: z.string(),
  version: z.string().meta({ description: 'The imind version serving this API' }),
  model_version: z.string().nullable(),
  docs: z.string(),
});

export const errorSchema = z
  .strictObject({
    error: z.enum(Object.keys(STATUS_OF) as [HttpErrorCode, ...HttpErrorCode[]]),
    detail: z.string().meta({ description: 'What went wrong, for people; never a stack trace' }),
    request_id: z.string().meta({ description: 'Also in the X-Request-ID response header and the server log' }),
    issues: z
      .array(z.strictObject({ path: z.string().meta({ example: 'readings.7.pressure' }), message: z.string() }))
      .optional()
      .meta({ description: 'On 422: each field at fault (at most 50)' }),
  })
  .meta({ description: 'The body of every 4xx and 5xx response' });

/** Every schema of the API for one feature schema. */
export function apiSchemas(schema: FeatureSchema, options: ValidationOptions, maxBatch: number) {
  const reading = readingRequestSchema(schema, options);
  const prediction = predictionSchema(schema);
  return {
    reading,
    batchRequest: batchRequestSchema(schema, options, maxBatch, reading),
    prediction,
    batchPrediction: batchPredictionSchema(prediction),
    health: healthSchema,
    ready: readySchema,
    serviceInfo: serviceInfoSchema,
    error: errorSchema,
  };
}
export type ApiSchemas = ReturnType<typeof apiSchemas>;
