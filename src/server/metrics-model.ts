import type { ModelMetadata } from '../model/model-metadata.js';
import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';
import { driftReferences } from '../monitoring/drift.js';
import type { ModelInfo, ServerMetrics } from '../monitoring/server-metrics.js';
import type { ScoringModel } from './scoring-service.js';

/** What the metrics read off a model: a loaded Model has its sidecar; a test double may not. */
export function modelInfo(model: ScoringModel): ModelInfo {
  const metadata = (model as { metadata?: ModelMetadata }).metadata;
  return {
    version: model.version,
    schema: model.schema.name,
    detector: metadata?.detector.kind ?? 'unknown',
    threshold: model.threshold,
    references: metadata?.distribution ? driftReferences(model.schema.features, metadata.distribution) : null,
  };
}

/**
 * The model as the server sees it, with every predict() call measured: its
 * duration, batch size, predictions by machine and outcome, scores, and the
 * readings added to the drift window. The rest of ScoringModel (and the
 * sidecar, for whoever looks for it) is passed through to the model. A plain
 * object rather than a Proxy: a Proxy in front of the model costs every
 * request a few microseconds.
 *
 * `served: false` is for further models of the same server (e.g. per-machine
 * ones): their calls are counted, but model info and the drift reference stay
 * those of the served model.
 */
export function instrumentModel(
  model: ScoringModel,
  metrics: ServerMetrics,
  { served = true }: { served?: boolean } = {},
): ScoringModel & { readonly metadata?: ModelMetadata } {
  if (served) metrics.setModel(modelInfo(model));
  const predict = async (readings: readonly Reading[]): Promise<Prediction[]> => {
    const started = performance.now();
    let predictions: Prediction[];
    try {
      predictions = await model.predict(readings);
    } catch (error) {
      metrics.recordInferenceError();
      throw error;
    }
    metrics.recordInference((performance.now() - started) / 1000, readings, predictions, served);
    return predictions;
  };
  return {
    get schema() {
      return model.schema;
    },
    get version() {
      return model.version;
    },
    get threshold() {
      return model.threshold;
    },
    get inputWidth() {
      return model.inputWidth;
    },
    get stateful() {
      return model.stateful;
    },
    get metadata() {
      return (model as { metadata?: ModelMetadata }).metadata;
    },
    predict,
    scoreMatrix: (input, n) => model.scoreMatrix(input, n),
    dispose: () => model.dispose(),
  };
}
