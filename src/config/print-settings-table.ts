// Prints the README settings table: `node dist/config/print-settings-table.js`.
// With `--check README.md` it exits 1 when the README's table (between the
// markers) differs from the one generated from src/config/settings.ts.
import { readFileSync } from 'node:fs';
import { TABLE_END, TABLE_START, settingsTable, tableInReadme } from './settings-table.js';

const table = settingsTable();
const check = process.argv.indexOf('--check');
if (check < 0) {
  process.stdout.write(`${TABLE_START}\n${table}\n${TABLE_END}\n`);
} else {
  const file = process.argv[check + 1] ?? 'README.md';
  const found = tableInReadme(readFileSync(file, 'utf8'));
  if (found !== table) {
    process.stderr.write(
      found === null
        ? `${file} has no settings table markers\n`
        : `${file}: the settings table is out of date; regenerate it with node dist/config/print-settings-table.js\n`,
    );
    process.exitCode = 1;
  }
}
