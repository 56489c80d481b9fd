import type { ModelMetadata } from '../model/model-metadata.js';
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
 * readings added to the drift window. Everything else (properties, getters,
 * dispose, scoreMatrix) goes to the model itself untouched, with `this` the model.
 *
 * `served: false` is for further models of the same server (e.g. per-machine
 * ones): their calls are counted, but model info and the drift reference stay
 * those of the served model.
 */
export function instrumentModel<M extends ScoringModel>(
  model: M,
  metrics: ServerMetrics,
  { served = true }: { served?: boolean } = {},
): M {
  if (served) metrics.setModel(modelInfo(model));
  const predict = async (readings: readonly Reading[]) => {
    const started = performance.now();
    let predictions;
    try {
      predictions = await model.predict(readings);
    } catch (error) {
      metrics.recordInferenceError();
      throw error;
    }
    metrics.recordInference((performance.now() - started) / 1000, readings, predictions, served);
    return predictions;
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(model, {
    get(target, property) {
      if (property === 'predict') return predict;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (fn === undefined) {
        fn = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, fn);
      }
      return fn;
    },
  });
}
