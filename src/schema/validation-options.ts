/** Settings shared by the fast row validator and the zod reading schema. */
export interface ValidationOptions {
  /** How far in the future a timestamp may lie (clock skew between machines), in ms. */
  clockSkewMs: number;
  /** The current time in epoch ms (injectable for tests). */
  now: () => number;
}

export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

export function defaultValidationOptions(overrides: Partial<ValidationOptions> = {}): ValidationOptions {
  return { clockSkewMs: DEFAULT_CLOCK_SKEW_MS, now: Date.now, ...overrides };
}

export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function timestampProblem(epochMs: number, options: ValidationOptions): string | null {
  if (Number.isNaN(epochMs)) return 'is not an ISO-8601 timestamp (e.g. 2024-01-15T10:30:00Z)';
  const limit = options.now() + options.clockSkewMs;
  if (epochMs > limit) {
    return `lies in the future (more than ${Math.round(options.clockSkewMs / 1000)} s ahead of this clock)`;
  }
  return null;
}

export function machineIdProblem(id: string): string | null {
  if (id.length === 0) return 'must not be empty';
  if (id.length > 50) return 'must be at most 50 characters';
  if (CONTROL_CHARACTERS.test(id)) return 'must not contain control characters';
  return null;
}

export function rangeProblem(value: number, min: number, max: number): string | null {
  if (value < min || value > max) return `is ${value}, outside the valid range ${min}..${max}`;
  return null;
}
