import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSettings } from '../../src/config/command-settings.js';
import { readConfigFile, resolveSettings } from '../../src/config/resolve-settings.js';
import { PACKAGE_MODEL_PATH, SETTINGS, settingsOf, type SettingName } from '../../src/config/settings.js';
import { settingsTable, tableInReadme } from '../../src/config/settings-table.js';
import { ImindError } from '../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-settings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function usageError(fn: () => unknown): ImindError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImindError);
    expect((error as ImindError).code).toBe('usage');
    return error as ImindError;
  }
  throw new Error('expected a usage error');
}

describe('the settings registry', () => {
  it('gives every setting a unique environment variable, a description and a default that parses', () => {
    const envs = new Set<string>();
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const s = SETTINGS[name];
      expect(s.env === 'NO_COLOR' || s.env.startsWith('IMIND_'), s.env).toBe(true);
      expect(envs.has(s.env), `${s.env} is used twice`).toBe(false);
      envs.add(s.env);
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.schema.safeParse(undefined).success, `${name} has no default`).toBe(true);
    }
    for (const env of ['IMIND_MODEL', 'IMIND_DEBUG', 'IMIND_CONFIG', 'IMIND_LOG_LEVEL', 'IMIND_PUSHGATEWAY']) {
      expect(envs.has(env)).toBe(true);
    }
  });

  it('generates a README table with one row per setting', () => {
    const table = settingsTable();
    const rows = table.split('\n');
    expect(rows).toHaveLength(2 + Object.keys(SETTINGS).length);
    expect(table).toContain('| `IMIND_PORT` | `--port` | `port` | `8000` | serve |');
    expect(table).toContain('| `IMIND_MODEL` | `--model` | `model` | `models/default` of the package |');
  });

  it('matches the table in README.md once the README carries it', (ctx) => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const found = tableInReadme(readme);
    if (found === null) {
      ctx.skip('README.md has no generated settings table yet (node dist/config/print-settings-table.js prints it)');
      return;
    }
    expect(found).toBe(settingsTable());
  });
});

describe('resolveSettings', () => {
  const file = { path: 'imind.json', values: { port: 7000, logLevel: 'warn', metrics: false } };

  it('takes a typed flag over the environment, the environment over the file, the file over the default', () => {
    const s = resolveSettings({
      scope: 'serve',
      flags: { port: '9000' },
      env: { IMIND_PORT: '8080', IMIND_LOG_LEVEL: 'debug' },
      file,
    });
    expect(s.port).toBe(9000);
    expect(s.logLevel).toBe('debug');
    expect(s.metrics).toBe(false);
    expect(s.host).toBe('127.0.0.1');
    expect(s.model).toBe(PACKAGE_MODEL_PATH);
    expect(resolveSettings({ scope: 'serve', env: { IMIND_PORT: '8080' }, file }).port).toBe(8080);
    expect(resolveSettings({ scope: 'serve', env: {}, file }).port).toBe(7000);
    expect(resolveSettings({ scope: 'serve', env: {} }).port).toBe(8000);
  });

  it('reads booleans as 1/0, true/false, yes/no, on/off', () => {
    for (const [text, value] of [
      ['1', true],
      ['off', false],
      ['TRUE', true],
      ['no', false],
    ] as const) {
      expect(resolveSettings({ scope: 'serve', env: { IMIND_METRICS: text } }).metrics).toBe(value);
    }
    expect(usageError(() => resolveSettings({ scope: 'serve', env: { IMIND_METRICS: 'maybe' } })).message).toMatch(
      /IMIND_METRICS/,
    );
  });

  it('names the source of a bad value', () => {
    expect(usageError(() => resolveSettings({ scope: 'serve', env: { IMIND_PORT: 'eighty' } })).message).toMatch(
      /invalid value for IMIND_PORT/,
    );
    expect(usageError(() => resolveSettings({ scope: 'serve', flags: { port: '70000' } })).message).toMatch(
      /invalid value for --port/,
    );
    expect(
      usageError(() => resolveSettings({ scope: 'serve', file: { path: 'x.json', values: { workers: 0 } } })).message,
    ).toMatch(/workers in x\.json/);
    expect(
      usageError(() => resolveSettings({ scope: 'predict', env: { IMIND_PUSHGATEWAY: 'ftp://host' } })).message,
    ).toMatch(/IMIND_PUSHGATEWAY/);
  });

  it('refuses config keys that are not settings, and skips those of other commands', () => {
    expect(
      usageError(() => resolveSettings({ scope: 'serve', file: { path: 'x.json', values: { prot: 1 } } })).message,
    ).toMatch(/"prot" is not a setting/);
    // the config file's own path and IMIND_DEBUG are not file settings
    usageError(() => resolveSettings({ scope: 'serve', file: { path: 'x.json', values: { config: 'y.json' } } }));
    usageError(() => resolveSettings({ scope: 'serve', file: { path: 'x.json', values: { debug: true } } }));
    // one file for serve and predict: predict skips port, serve skips pushgateway
    const shared = { path: 'x.json', values: { port: 9000, pushgateway: 'http://127.0.0.1:9091' } };
    expect(resolveSettings({ scope: 'predict', file: shared }).pushgateway).toBe('http://127.0.0.1:9091');
    expect(resolveSettings({ scope: 'serve', file: shared }).port).toBe(9000);
  });

  it('scopes settings to their commands', () => {
    expect(settingsOf('predict')).toContain('pushgateway');
    expect(settingsOf('predict')).not.toContain('port');
    expect(settingsOf('serve')).toContain('driftWindow');
    expect(settingsOf('serve')).toContain('debug');
  });
});

describe('config files and commander', () => {
  it('reads a JSON object and refuses anything else with a usage error', async () => {
    const good = join(dir, 'good.json');
    await writeFile(good, '{"port": 8081}');
    expect((await readConfigFile(good)).values).toEqual({ port: 8081 });
    for (const [name, text, pattern] of [
      ['bad.json', '{port: 1}', /not valid JSON/],
      ['array.json', '[1]', /JSON object/],
    ] as const) {
      await writeFile(join(dir, name), text);
      await expect(readConfigFile(join(dir, name))).rejects.toThrow(pattern);
    }
    await expect(readConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/no such file/);
  });

  it('lets typed flags win over IMIND_* and --config, and keeps commander defaults out of the way', async () => {
    const config = join(dir, 'serve.json');
    await writeFile(config, JSON.stringify({ port: 7001, host: '0.0.0.0', driftWindow: 50 }));
    const command = new Command('serve')
      .exitOverride()
      .option('--host <host>', '', '127.0.0.1')
      .option('-p, --port <port>', '', '8000')
      .option('--drift-window <n>', '', '1000')
      .option('--config <file>')
      .option('--other <x>', '', 'kept');
    command.parse(['--port', '9001', '--config', config], { from: 'user' });
    const out = await withSettings(command, command.opts(), 'serve', { IMIND_HOST: '::1' });
    expect(out.port).toBe(9001);
    expect(out.host).toBe('::1');
    expect(out.driftWindow).toBe(50);
    expect(out.other).toBe('kept');
    expect(out.workers).toBe(1);
    const viaEnv = new Command('serve').exitOverride().option('-p, --port <port>', '', '8000');
    viaEnv.parse([], { from: 'user' });
    expect((await withSettings(viaEnv, viaEnv.opts(), 'serve', { IMIND_CONFIG: config })).port).toBe(7001);
  });
});
