import { DEFAULT_CLOCK_SKEW_MS } from '../schema/validation-options.js';

/** What the HTTP app needs to know besides the model; every field has a default. */
export interface ServerSettings {
  /** Largest request body accepted, in bytes (413 above it). */
  bodyLimitBytes: number;
  /** Most readings in one POST /predict/batch (the seed's 1000). */
  maxBatchReadings: number;
  /** How far in the future a reading's timestamp may lie, in ms. */
  clockSkewMs: number;
  /**
   * Concurrent single /predict requests arriving in the same event-loop turn
   * are scored in one ONNX call of at most this many rows (1 turns it off).
   */
  microBatchMaxRows: number;
  /** The service name shown by GET / and in the OpenAPI document. */
  serviceName: string;
  /** The current time in epoch ms (injectable for tests). */
  now: () => number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export function defaultServerSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    maxBatchReadings: 1000,
    clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
    microBatchMaxRows: 256,
    serviceName: 'IndustrialMind Anomaly Detection',
    now: Date.now,
    ...overrides,
  };
}
