import { z } from 'zod';
import { featureSchemaSchema } from '../schema/feature-schema.js';

/** The JSON sidecar written next to every ONNX model (`model.json`). */
export const MODEL_FORMAT = 'imind-model/1';

const distributionSchema = z.object({
  mean: z.number(),
  std: z.number(),
  min: z.number(),
  max: z.number(),
  edges: z.array(z.number()),
  proportions: z.array(z.number()),
});

/**
 * False-alarm control applied per machine, in reading order, after the ONNX score:
 * the score is smoothed by an EWMA, compared with the threshold, and a reading is
 * an anomaly when at least k of the machine's last n smoothed decisions were above it.
 * ewmaAlpha 1 and k = n = 1 is the plain "score > threshold" rule.
 */
export const alarmRuleSchema = z
  .object({
    /** Weight of the newest score in the EWMA, in (0, 1]; 1 = no smoothing. */
    ewmaAlpha: z.number().gt(0).max(1),
    k: z.number().int().min(1).max(1000),
    n: z.number().int().min(1).max(1000),
  })
  .refine((r) => r.k <= r.n, { message: 'k must not exceed n' });
export type AlarmRule = z.output<typeof alarmRuleSchema>;

export const modelMetadataSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  modelVersion: z.string().min(1).max(100),
  detector: z.object({
    kind: z.string().min(1),
    /** Readings per input row: 1 for pointwise models, W for windowed ones. */
    window: z.number().int().min(1),
    layers: z.array(z.number().int().positive()).optional(),
    activation: z.string().optional(),
    /** Detector-specific numeric settings (e.g. PCA components, drift exponent), for provenance. */
    settings: z.record(z.string(), z.number()).optional(),
  }),
  schema: featureSchemaSchema,
  scaler: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  threshold: z.object({
    value: z.number().nonnegative(),
    method: z.string(),
    quantile: z.number().min(0).max(1),
    margin: z.number().positive(),
  }),
  training: z.object({
    dataSha256: z.string(),
    files: z.array(z.string()),
    rows: z.number().int().nonnegative(),
    trainRows: z.number().int().nonnegative(),
    validationRows: z.number().int().nonnegative(),
    epochs: z.number().int().nonnegative(),
    seed: z.number().int(),
    learningRate: z.number().optional(),
    batchSize: z.number().int().optional(),
    finalTrainLoss: z.number().optional(),
    validationErrorQuantiles: z.record(z.string(), z.number()),
  }),
  distribution: z.record(z.string(), distributionSchema),
  /** How scores become alarms per machine; absent means "score > threshold" (the seed's rule). */
  alarm: alarmRuleSchema.optional(),
  onnx: z.object({
    file: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputName: z.string(),
    scoreOutput: z.string(),
    featureErrorsOutput: z.string(),
  }),
});

export type ModelMetadata = z.output<typeof modelMetadataSchema>;
