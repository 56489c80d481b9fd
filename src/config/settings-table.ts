import { SETTINGS, type SettingName } from './settings.js';

export const TABLE_START = '<!-- settings-table:start (generated from src/config/settings.ts) -->';
export const TABLE_END = '<!-- settings-table:end -->';

function defaultOf(name: SettingName): string {
  const definition = SETTINGS[name];
  if (definition.defaultText !== undefined) return definition.defaultText;
  const value: unknown = definition.schema.parse(undefined);
  return value === undefined ? 'unset' : `\`${String(value)}\``;
}

/** The README's settings table (Markdown), one row per setting, in registry order. */
export function settingsTable(): string {
  const rows = [
    '| variable | flag | config key | default | used by | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const s = SETTINGS[name];
    const scope: readonly string[] = s.scope;
    rows.push(
      `| \`${s.env}\` | ${'flag' in s && s.flag ? `\`${s.flag}\`` : '–'} | ${s.inFile === false ? '–' : `\`${name}\``} | ${defaultOf(name)} | ${scope.includes('all') ? 'all' : scope.join(', ')} | ${s.description} |`,
    );
  }
  return rows.join('\n');
}

/** The table between the markers of a README, or null when the README has no markers. */
export function tableInReadme(readme: string): string | null {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + TABLE_START.length, end).trim();
}
