import type { Command } from 'commander';
import { readConfigFile, resolveSettings } from './resolve-settings.js';
import { SETTINGS, settingsOf, type SettingScope } from './settings.js';

/**
 * A command's raw commander options with every setting it reads resolved:
 * a flag typed on the command line wins, then IMIND_* environment variables,
 * then the config file (--config FILE or IMIND_CONFIG), then the default.
 * Options that are not settings pass through unchanged.
 */
export async function withSettings(
  command: Command,
  raw: Record<string, unknown>,
  scope: SettingScope,
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, unknown>> {
  const flags: Record<string, unknown> = {};
  for (const name of settingsOf(scope)) {
    if (SETTINGS[name].flag !== undefined && command.getOptionValueSource(name) === 'cli') flags[name] = raw[name];
  }
  const configPath = (flags.config as string | undefined) ?? (env[SETTINGS.config.env] || undefined);
  const file = configPath ? await readConfigFile(configPath) : null;
  const resolved = resolveSettings({ scope, flags, env, file });
  const out: Record<string, unknown> = { ...raw };
  for (const [name, value] of Object.entries(resolved)) if (value !== undefined) out[name] = value;
  return out;
}
