import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Every setting of `imind` in one place: its name (the config-file key and the
 * commander option name), environment variable, CLI flag, zod schema (which
 * holds the default) and description. The README's settings table is generated
 * from this list (see settings-table.ts), and resolve-settings.ts reads values
 * from flags, the environment and a JSON config file through it.
 *
 * Adding a setting = adding one `setting({...})` entry below.
 */

/** Which commands read a setting ('all': every command). */
export type SettingScope = 'serve' | 'predict' | 'all';

export interface SettingDefinition<S extends z.ZodType = z.ZodType> {
  /** Environment variable. */
  env: string;
  /** CLI flag as shown in --help; absent for settings read only from the environment / config file. */
  flag?: string;
  /** Parses a string (flag, environment) or a JSON value (config file); its `.default()` is the default. */
  schema: S;
  /** The default as the README shows it, when it is not a plain value (e.g. a path inside the package). */
  defaultText?: string;
  description: string;
  scope: readonly SettingScope[];
  /** false: never read from the config file (the config file's own path, process-wide switches). */
  inFile?: boolean;
}

function setting<S extends z.ZodType>(definition: SettingDefinition<S>): SettingDefinition<S> {
  return definition;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** A boolean from JSON, or from the strings 1/true/yes/on and 0/false/no/off. */
export const booleanSetting = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => TRUE.has(s) || FALSE.has(s), { message: 'expected 1/true/yes/on or 0/false/no/off' })
    .transform((s) => TRUE.has(s)),
]);

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

/** The shipped model folder (models/default of the package). */
export const PACKAGE_MODEL_PATH = fileURLToPath(new URL('../../models/default', import.meta.url));

export const SETTINGS = {
  config: setting({
    env: 'IMIND_CONFIG',
    flag: '--config',
    schema: z.string().min(1).optional(),
    defaultText: 'unset',
    description: 'JSON file of settings (keys as in this table); flags override the environment, which overrides it',
    scope: ['serve', 'predict'],
    inFile: false,
  }),
  model: setting({
    env: 'IMIND_MODEL',
    flag: '--model',
    schema: z.string().min(1).default(PACKAGE_MODEL_PATH),
    defaultText: '`models/default` of the package',
    description: 'model folder (`model.onnx` + `model.json`)',
    scope: ['serve', 'predict'],
  }),
  host: setting({
    env: 'IMIND_HOST',
    flag: '--host',
    schema: z.string().min(1).max(255).default('127.0.0.1'),
    description: 'address to listen on (`0.0.0.0` for every interface)',
    scope: ['serve'],
  }),
  port: setting({
    env: 'IMIND_PORT',
    flag: '--port',
    schema: integer(0, 65_535).default(8000),
    description: 'port to listen on (`0` picks a free one)',
    scope: ['serve'],
  }),
  workers: setting({
    env: 'IMIND_WORKERS',
    flag: '--workers',
    schema: integer(1, 64).default(1),
    description: 'processes sharing the port (node:cluster); metrics are summed over them',
    scope: ['serve'],
  }),
  clockSkew: setting({
    env: 'IMIND_CLOCK_SKEW',
    flag: '--clock-skew',
    schema: z.coerce
      .number()
      .min(0)
      .max(365 * 86_400)
      .default(300),
    description: 'seconds a reading’s timestamp may lie in the future',
    scope: ['serve', 'predict'],
  }),
  bodyLimit: setting({
    env: 'IMIND_MAX_BODY_BYTES',
    flag: '--body-limit',
    schema: integer(1024, 64 * 1024 * 1024).default(1024 * 1024),
    description: 'largest request body in bytes (413 above it)',
    scope: ['serve'],
  }),
  logLevel: setting({
    env: 'IMIND_LOG_LEVEL',
    flag: '--log-level',
    schema: z.enum(LOG_LEVELS).default('info'),
    description: '`fatal`, `error`, `warn`, `info` (one line per request), `debug`, `silent`',
    scope: ['serve'],
  }),
  logFormat: setting({
    env: 'IMIND_LOG_FORMAT',
    flag: '--log-format',
    schema: z.enum(['json', 'pretty']).default('json'),
    description: '`json` (one JSON object per line) or `pretty` (for people at a terminal)',
    scope: ['serve'],
  }),
  metrics: setting({
    env: 'IMIND_METRICS',
    flag: '--no-metrics',
    schema: booleanSetting.default(true),
    description: 'serve `GET /metrics` (Prometheus) and keep drift statistics; `0` turns both off',
    scope: ['serve'],
  }),
  metricsMachineLimit: setting({
    env: 'IMIND_METRICS_MACHINE_LIMIT',
    flag: '--metrics-machine-limit',
    schema: integer(0, 100_000).default(100),
    description: 'most distinct `machine_id` label values in metrics; further machines are counted as `_other`',
    scope: ['serve', 'predict'],
  }),
  driftWindow: setting({
    env: 'IMIND_DRIFT_WINDOW',
    flag: '--drift-window',
    schema: integer(10, 10_000_000).default(1000),
    description: 'readings per process in the sliding window compared with the training distribution',
    scope: ['serve'],
  }),
  driftWarnPsi: setting({
    env: 'IMIND_DRIFT_WARN_PSI',
    schema: z.coerce.number().positive().default(0.1),
    description: 'PSI from which a feature’s drift status is `warn`',
    scope: ['serve', 'predict'],
  }),
  driftAlertPsi: setting({
    env: 'IMIND_DRIFT_ALERT_PSI',
    schema: z.coerce.number().positive().default(0.25),
    description: 'PSI from which a feature’s drift status is `alert`',
    scope: ['serve', 'predict'],
  }),
  batchSize: setting({
    env: 'IMIND_BATCH_SIZE',
    flag: '--batch-size',
    schema: integer(1, 1_000_000).default(4096),
    description: 'rows per ONNX call',
    scope: ['predict'],
  }),
  pushgateway: setting({
    env: 'IMIND_PUSHGATEWAY',
    flag: '--pushgateway',
    schema: z.url({ protocol: /^https?$/ }).optional(),
    defaultText: 'unset',
    description: 'Prometheus Pushgateway base URL: each run pushes its figures there (a failed push only warns)',
    scope: ['predict'],
  }),
  pushgatewayJob: setting({
    env: 'IMIND_PUSHGATEWAY_JOB',
    flag: '--pushgateway-job',
    schema: z.string().min(1).max(200).default('imind'),
    description: 'the `job` label of pushed run metrics',
    scope: ['predict'],
  }),
  pushgatewayInstance: setting({
    env: 'IMIND_PUSHGATEWAY_INSTANCE',
    flag: '--pushgateway-instance',
    schema: z.string().min(1).max(200).optional(),
    defaultText: 'unset',
    description: 'the `instance` label of pushed run metrics (one group per instance)',
    scope: ['predict'],
  }),
  debug: setting({
    env: 'IMIND_DEBUG',
    schema: booleanSetting.default(false),
    description: '`1` prints stack traces of internal errors',
    scope: ['all'],
    inFile: false,
  }),
  noColor: setting({
    env: 'NO_COLOR',
    schema: z.string().optional(),
    defaultText: 'unset',
    description: 'set (to anything): no colours in tables and spinners',
    scope: ['all'],
    inFile: false,
  }),
} satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof SETTINGS;
/** Every setting's parsed value. */
export type Settings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

/** The settings a command reads, in table order. */
export function settingsOf(scope: SettingScope): SettingName[] {
  return (Object.keys(SETTINGS) as SettingName[]).filter((name) => {
    const s: readonly SettingScope[] = SETTINGS[name].scope;
    return s.includes(scope) || s.includes('all');
  });
}

/** The zod shape of some settings, for a command's own options schema. */
export function settingsShape<const N extends SettingName>(
  names: readonly N[],
): { [K in N]: (typeof SETTINGS)[K]['schema'] } {
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) shape[name] = SETTINGS[name].schema;
  return shape as { [K in N]: (typeof SETTINGS)[K]['schema'] };
}
