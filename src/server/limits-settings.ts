import { z } from 'zod';
import { ImindError } from '../errors.js';

/** The server's protections against bad input and overload; every field has a default (see README "Security"). */
export interface HardeningSettings {
  /** Most requests in progress at once in this process; more get 503 with Retry-After at once. /health, /ready, /metrics are exempt. */
  maxInFlight: number;
  /** Requests per second each API key may make (each client address when the server runs open); 0 turns it off. */
  rateLimitPerSecond: number;
  /** How many requests a key may make at once before the rate applies (default: one second's worth, at least 1). */
  rateLimitBurst: number;
  /** A request not answered within this many ms gets 504, and its queued scoring is skipped; 0 turns it off. */
  requestDeadlineMs: number;
  /** Origins allowed to call the API from a browser (CORS); empty: none (closed). `*` allows any. */
  corsOrigins: readonly string[];
  /** Longest request target (path and query) in characters; 414 above it. */
  maxUrlLength: number;
  /** Deepest JSON nesting read from a body; deeper parts are cut unread (no API body is valid that deep: 422). */
  maxJsonDepth: number;
  /** Longest JSON string (or field name) read from a body, in characters as sent; longer ones are cut unread (422). */
  maxJsonStringChars: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 64;

export function hardeningSettings(overrides: Partial<HardeningSettings> = {}): HardeningSettings {
  const rate = overrides.rateLimitPerSecond ?? 0;
  return {
    maxInFlight: DEFAULT_MAX_IN_FLIGHT,
    rateLimitPerSecond: rate,
    rateLimitBurst: Math.max(1, Math.ceil(rate)),
    requestDeadlineMs: 10_000,
    corsOrigins: [],
    maxUrlLength: 2048,
    maxJsonDepth: 64,
    maxJsonStringChars: 10_000,
    ...overrides,
  };
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The environment variables of the hardening settings, each validated (a bad value is a usage error naming it). */
const ENV = {
  IMIND_MAX_IN_FLIGHT: ['maxInFlight', int(1, 1_000_000)],
  IMIND_RATE_LIMIT: ['rateLimitPerSecond', z.coerce.number().min(0).max(1_000_000)],
  IMIND_RATE_BURST: ['rateLimitBurst', int(1, 1_000_000)],
  IMIND_REQUEST_DEADLINE_MS: ['requestDeadlineMs', int(0, 3_600_000)],
  IMIND_CORS_ORIGINS: ['corsOrigins', z.string().transform(parseOrigins)],
} as const;

/** Reads IMIND_MAX_IN_FLIGHT, IMIND_RATE_LIMIT, IMIND_RATE_BURST, IMIND_REQUEST_DEADLINE_MS and IMIND_CORS_ORIGINS. */
export function hardeningFromEnv(env: NodeJS.ProcessEnv): HardeningSettings {
  const overrides: Record<string, unknown> = {};
  for (const [name, [field, schema]] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = (schema as z.ZodType).safeParse(raw.trim());
    if (!parsed.success) {
      throw new ImindError(
        'usage',
        `invalid value for ${name}: ${JSON.stringify(raw.slice(0, 100))} (${parsed.error.issues[0]!.message})`,
      );
    }
    overrides[field] = parsed.data;
  }
  return hardeningSettings(overrides as Partial<HardeningSettings>);
}

/** "https://a.example, https://b.example" → the origins, each checked to be scheme://host[:port] (or `*`). */
export function parseOrigins(text: string): string[] {
  const origins = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (
      origin !== '*' &&
      !/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(origin)
    ) {
      throw new ImindError('usage', `invalid origin ${JSON.stringify(origin.slice(0, 100))} in IMIND_CORS_ORIGINS`, {
        hint: 'give origins as scheme://host[:port], comma separated, e.g. https://dashboard.example.com',
      });
    }
  }
  return origins;
}

/** The listen options read from the environment (see server.ts ListenOptions). */
export interface ListenLimits {
  /** IMIND_SHUTDOWN_GRACE_MS: how long SIGTERM waits for in-flight requests (default 10 s). */
  shutdownGraceMs?: number;
  /** IMIND_REQUEST_TIMEOUT_MS: longest time to receive one whole request (default 30 s; 408 after). */
  requestTimeoutMs?: number;
}

/** Everything `imind serve` reads from the environment for its limits; a bad value is a usage error (exit 2). */
export function serveLimitsFromEnv(env: NodeJS.ProcessEnv): {
  hardening: HardeningSettings;
  listen: ListenLimits;
} {
  const listen: ListenLimits = {};
  for (const [name, field, min, max] of [
    ['IMIND_SHUTDOWN_GRACE_MS', 'shutdownGraceMs', 0, 3_600_000],
    ['IMIND_REQUEST_TIMEOUT_MS', 'requestTimeoutMs', 1_000, 3_600_000],
  ] as const) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = int(min, max).safeParse(raw.trim());
    if (!parsed.success) {
      throw new ImindError(
        'usage',
        `invalid value for ${name}: ${JSON.stringify(raw.slice(0, 100))} (${parsed.error.issues[0]!.message})`,
      );
    }
    listen[field] = parsed.data;
  }
  return { hardening: hardeningFromEnv(env), listen };
}
