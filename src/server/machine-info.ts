import { PLAIN_ALARM_RULE } from '../detectors/alarm-state.js';
import type { ModelMetadata } from '../model/model-metadata.js';
import type { Model } from '../model/model.js';
import type { FeatureSchema } from '../schema/feature-schema.js';

/** What GET /machines/{machine_id} tells about a machine's own model. */
export interface MachineInfo {
  machine_id: string;
  detector: string;
  model_version: string;
  /** Readings per model input (1 for pointwise models). */
  window: number;
  baseline_rows: number;
  threshold: number;
  /** When the model was fitted (for a model loaded from the machines folder: when its files were written). */
  fitted_at: string;
  /** True when the model is in the machines folder (it survives a restart). */
  persisted: boolean;
}

/**
 * How many of the baseline's last readings to replay so that the new model's state
 * is the one a replay of the whole baseline leaves: W - 1 readings to fill the window,
 * then the alarm rule's n decisions, plus, for an EWMA, enough scores that anything
 * older weighs less than 2^-52 (below float64 rounding).
 */
export function replayLength(model: Pick<Model, 'window' | 'metadata'>): number {
  const rule = model.metadata.alarm ?? PLAIN_ALARM_RULE;
  const memory = rule.ewmaAlpha >= 1 ? 0 : Math.ceil(52 / -Math.log2(1 - rule.ewmaAlpha));
  return model.window - 1 + rule.n + memory;
}

/** Null when both schemas have the same features in the same order (the model's input order), else what differs. */
export function schemaMismatch(expected: FeatureSchema, actual: FeatureSchema): string | null {
  const want = expected.features.map((f) => f.name);
  const got = actual.features.map((f) => f.name);
  if (want.length === got.length && want.every((name, i) => name === got[i])) return null;
  return `its features (${got.join(', ')}) differ from the default model's (${want.join(', ')})`;
}

export function mismatchProblem(machineId: string, mismatch: string): string {
  return `the model of machine ${JSON.stringify(machineId)} cannot score these readings: ${mismatch}; refit it with POST /machines/{machine_id}/baseline`;
}

export function describe(machineId: string, metadata: ModelMetadata, fittedAt: Date, persisted: boolean): MachineInfo {
  return {
    machine_id: machineId,
    detector: metadata.detector.kind,
    model_version: metadata.modelVersion,
    window: metadata.detector.window,
    baseline_rows: metadata.training.rows,
    threshold: metadata.threshold.value,
    fitted_at: fittedAt.toISOString(),
    persisted,
  };
}
