import { ImindError } from '../errors.js';
import type { AlarmRule } from '../model/model-metadata.js';
import { meanPerRow, reconstructionErrors } from './autoencoder-trainer.js';
import type { FittedModel, ThresholdOptions, TrainingData } from './detector.js';
import { DEFAULT_AUTOENCODER_OPTIONS, fitAutoencoder } from './fit-autoencoder.js';
import { DEFAULT_LEVEL_SHIFT_OPTIONS, fitLevelShift, levelShiftReference } from './level-shift.js';
import { DEFAULT_PCA_OPTIONS, fitPca, pcaReference } from './pca-detector.js';
import {
  DEFAULT_WINDOW_AUTOENCODER_OPTIONS,
  fitWindowAutoencoder,
  windowAutoencoderReference,
} from './window-autoencoder.js';

import { DETECTOR_KINDS, type DetectorKind } from './detector-kinds.js';

export { DETECTOR_KINDS, type DetectorKind };

/** The detector used when none is named: the best on SKAB valve1 (test/bench/DETECTION.md). */
export const DEFAULT_DETECTOR: DetectorKind = 'level-shift';

export const DETECTOR_DESCRIPTIONS: Record<DetectorKind, string> = {
  'level-shift': 'drift-aware level shift of the mean of the last W readings (windowed)',
  pca: "PCA with Hotelling's T² plus squared prediction error Q (pointwise by default)",
  'window-autoencoder': 'dense autoencoder over the flattened last W readings',
  autoencoder: "the seed's pointwise dense autoencoder",
};

/** Settings shared by every detector; each falls back to the detector's own default. */
export interface DetectorOptions {
  /** Readings per input row (windowed detectors; PCA may use 1 or more). */
  window?: number;
  threshold?: Partial<ThresholdOptions>;
  alarm?: AlarmRule;
  /** Random seed (autoencoders). */
  seed?: number;
  /** Training epochs (autoencoders). */
  epochs?: number;
}

/** A fitted detector plus its float64 reference scorer over raw input rows [n][W*F] (for tests and checks). */
export interface FittedDetector extends FittedModel {
  kind: DetectorKind;
  reference(rows: ArrayLike<number>, n: number): { score: Float64Array; featureErrors: Float64Array };
}

export function isDetectorKind(name: string): name is DetectorKind {
  return (DETECTOR_KINDS as readonly string[]).includes(name);
}

/**
 * Fits one detector on normal data (rows in time order) and exports it as an
 * ONNX graph: input "input" [batch, W*F] raw float32 values (the graph scales
 * them itself), outputs "score" [batch] and "feature_errors" [batch, F] (>= 0).
 */
export function fitDetector(kind: DetectorKind, data: TrainingData, options: DetectorOptions = {}): FittedDetector {
  const alarm = options.alarm ? { alarm: options.alarm } : {};
  const threshold = (base: ThresholdOptions): ThresholdOptions => ({ ...base, ...options.threshold });
  switch (kind) {
    case 'level-shift': {
      const d = DEFAULT_LEVEL_SHIFT_OPTIONS;
      const fitted = fitLevelShift(data, {
        ...d,
        window: options.window ?? d.window,
        threshold: threshold(d.threshold),
        ...alarm,
      });
      return { ...fitted, kind, reference: (rows, n) => levelShiftReference(fitted.parameters, rows, n) };
    }
    case 'pca': {
      const d = DEFAULT_PCA_OPTIONS;
      const fitted = fitPca(data, {
        ...d,
        window: options.window ?? d.window,
        threshold: threshold(d.threshold),
        ...alarm,
      });
      return { ...fitted, kind, reference: (rows, n) => pcaReference(fitted.parameters, rows, n) };
    }
    case 'window-autoencoder': {
      const d = DEFAULT_WINDOW_AUTOENCODER_OPTIONS;
      const fitted = fitWindowAutoencoder(data, {
        ...d,
        window: options.window ?? d.window,
        seed: options.seed ?? d.seed,
        epochs: options.epochs ?? d.epochs,
        threshold: threshold(d.threshold),
        ...alarm,
      });
      return { ...fitted, kind, reference: (rows, n) => windowAutoencoderReference(fitted.parameters, rows, n) };
    }
    case 'autoencoder': {
      if (options.window !== undefined && options.window !== 1)
        throw new ImindError('usage', 'the autoencoder detector is pointwise (window 1)');
      const d = DEFAULT_AUTOENCODER_OPTIONS;
      const fitted = fitAutoencoder(data, {
        ...d,
        seed: options.seed ?? d.seed,
        epochs: options.epochs ?? d.epochs,
        threshold: threshold(d.threshold),
      });
      if (options.alarm) fitted.metadata.alarm = options.alarm;
      const { mean, std } = fitted.metadata.scaler;
      const width = mean.length;
      return {
        ...fitted,
        kind,
        reference: (rows, n) => {
          const scaled = Float64Array.from(
            { length: n * width },
            (_, i) => (rows[i]! - mean[i % width]!) / std[i % width]!,
          );
          const featureErrors = reconstructionErrors(fitted.layers, scaled, n);
          return { score: meanPerRow(featureErrors, n, width), featureErrors };
        },
      };
    }
  }
}
