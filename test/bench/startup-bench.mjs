// Start-to-exit times of `imind --version` and of a 10-row predict, measured
// with hyperfine (apt-get install -y hyperfine); without it, 20 timed runs.
//
//   node test/bench/startup-bench.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, commandExists, median } from './lib/measure.mjs';

const TEN_ROWS = [
  'timestamp,machine_id,temperature,vibration,pressure,power',
  ...Array.from({ length: 10 }, (_, i) => `2024-01-15T10:30:0${i}Z,MACHINE_00${(i % 4) + 1},${65 + i / 10},1.2,45.0,250.0`),
].join('\n');

export function runStartupBenchmarks({ runs = 20 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'imind-startup-'));
  const ten = join(dir, 'ten.csv');
  writeFileSync(ten, `${TEN_ROWS}\n`);
  const node = process.execPath;
  const cases = [
    { id: 'version', label: 'imind --version', command: `${node} ${join(ROOT, 'bin/imind')} --version` },
    { id: 'predict10', label: 'imind predict (10 rows, NDJSON to a pipe)', command: `${node} ${join(ROOT, 'bin/imind')} predict ${ten} --quiet` },
  ];
  if (commandExists('hyperfine')) {
    const json = join(dir, 'hyperfine.json');
    const args = ['--warmup', '3', '--runs', String(runs), '--export-json', json, '--output', 'pipe', ...cases.map((c) => c.command)];
    const r = spawnSync('hyperfine', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
    const results = JSON.parse(readFileSync(json, 'utf8')).results;
    return {
      tool: 'hyperfine',
      command: `hyperfine ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`,
      cases: cases.map((c, i) => ({ ...c, meanMs: results[i].mean * 1000, medianMs: results[i].median * 1000, minMs: results[i].min * 1000, maxMs: results[i].max * 1000 })),
    };
  }
  return {
    tool: 'spawnSync (hyperfine not installed)',
    command: 'node test/bench/startup-bench.mjs',
    cases: cases.map((c) => {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        spawnSync('sh', ['-c', `${c.command} > /dev/null`]);
        times.push(performance.now() - started);
      }
      return { ...c, meanMs: times.reduce((a, b) => a + b, 0) / runs, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
    }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(runStartupBenchmarks(), null, 1));
}
