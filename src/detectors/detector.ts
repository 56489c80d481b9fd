import type { FeatureSchema } from '../schema/feature-schema.js';
import type { ModelMetadata } from '../model/model-metadata.js';

/** Normal-operation data to fit a detector on: raw readings, row-major [rows][features]. */
export interface TrainingData {
  schema: FeatureSchema;
  values: Float64Array;
  rows: number;
  /** sha256 over the input files' bytes (provenance). */
  dataSha256: string;
  files: string[];
}

/** How the alarm threshold is set from held-back normal data. */
export interface ThresholdOptions {
  /** Quantile of the calibration errors, e.g. 0.999. */
  quantile: number;
  /** Multiplier on that quantile (>= 1 leaves room for unseen normal variation). */
  margin: number;
}

/** A fitted detector: an ONNX graph (raw readings in, score and per-feature errors out) and its sidecar. */
export interface FittedModel {
  onnxBytes: Uint8Array;
  metadata: ModelMetadata;
}
