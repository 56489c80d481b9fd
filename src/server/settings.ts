import { DEFAULT_CLOCK_SKEW_MS } from '../schema/validation-options.js';
import { DEFAULT_MACHINE_SETTINGS, type MachineSettings } from './machine-settings.js';
import { hardeningSettings, type HardeningSettings } from './limits-settings.js';

/** What the HTTP app needs to know besides the model; every field has a default. */
export interface ServerSettings extends MachineSettings {
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
  /** Limits on requests: in flight, rate per key, deadline, CORS origins, URL and JSON sizes (limits-settings.ts). */
  hardening: HardeningSettings;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export function defaultServerSettings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    ...DEFAULT_MACHINE_SETTINGS,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    maxBatchReadings: 1000,
    clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
    microBatchMaxRows: 256,
    serviceName: 'IndustrialMind Anomaly Detection',
    now: Date.now,
    ...overrides,
    hardening: overrides.hardening ?? hardeningSettings(),
  };
}
