import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ImindError, describeError } from '../errors.js';
import { SETTINGS, settingsOf, type SettingName, type SettingScope, type Settings } from './settings.js';

/** A parsed JSON config file: setting names (as in the settings table) to values. */
export interface ConfigFile {
  path: string;
  values: Record<string, unknown>;
}

export interface SettingSources {
  scope: SettingScope;
  /** Values typed on the command line (not commander's defaults), by setting name. */
  flags?: Partial<Record<string, unknown>>;
  env?: Record<string, string | undefined>;
  file?: ConfigFile | null;
}

/**
 * Resolves the settings of one command: a flag typed on the command line wins,
 * then the environment variable, then the config file, then the default.
 * A bad value is a usage error naming where it came from; so is a config-file
 * key that is no setting (one of another command is skipped).
 */
export function resolveSettings(sources: SettingSources): Partial<Settings> {
  const names = settingsOf(sources.scope);
  if (sources.file) {
    // One file may serve every command: settings of other commands are skipped, unknown keys refused.
    for (const key of Object.keys(sources.file.values)) {
      const definition = (SETTINGS as Record<string, { inFile?: boolean }>)[key];
      if (!definition || definition.inFile === false) {
        const known = (Object.keys(SETTINGS) as SettingName[]).filter((n) => SETTINGS[n].inFile !== false);
        throw new ImindError('usage', `config file ${sources.file.path}: "${key}" is not a setting`, {
          hint: `settings: ${known.join(', ')}`,
        });
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = resolveOne(name, sources);
  return out as Partial<Settings>;
}

function resolveOne(name: SettingName, sources: SettingSources): unknown {
  const definition = SETTINGS[name];
  const flag = sources.flags?.[name];
  if (flag !== undefined) return parse(definition.schema, flag, definition.flag ?? name);
  const env = sources.env?.[definition.env];
  if (env !== undefined && env !== '') return parse(definition.schema, env, definition.env);
  const file = sources.file;
  if (file && definition.inFile !== false && Object.hasOwn(file.values, name))
    return parse(definition.schema, file.values[name], `${name} in ${file.path}`);
  return parse(definition.schema, undefined, name);
}

function parse(schema: z.ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ImindError('usage', `invalid value for ${where}: ${issue?.message ?? 'not valid'}`);
}

/** Reads a JSON config file (an object of settings); any problem is a usage error. */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : describeError(error);
    throw new ImindError('usage', `cannot read config file ${path}: ${reason}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new ImindError('usage', `config file ${path} is not valid JSON: ${describeError(error)}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    throw new ImindError('usage', `config file ${path} must hold a JSON object of settings`, {
      hint: 'e.g. {"port": 8080, "logLevel": "debug"}',
    });
  return { path, values: values as Record<string, unknown> };
}
