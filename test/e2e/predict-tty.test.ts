import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binPath, repoRoot } from '../helpers/run-cli.js';

// `script` (util-linux) runs the CLI under a pseudo-terminal, as a person at a terminal would.
const hasScript = existsSync('/usr/bin/script');

describe.skipIf(!hasScript)('imind predict on a terminal', () => {
  it('prints a table (not NDJSON) when stdout is a terminal', () => {
    const r = spawnSync(
      'script',
      ['-qec', `"${process.execPath}" "${binPath}" predict fixtures/sensors.csv --quiet`, '/dev/null'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/│ row │ timestamp/);
    expect(r.stdout).toMatch(/top sensor/);
    expect(r.stdout).toMatch(/… 400 more rows/);
    expect(r.stdout).not.toMatch(/^\{"row"/m);
  });
});
