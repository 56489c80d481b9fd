// File benchmarks of `imind predict` (B) against a pandas + PyTorch script (A')
// and the ceilings (D'): a naive Node loop over the same files and
// onnxruntime-node on pre-made arrays. Every time is a process's wall clock,
// start to exit, median of `repeats` runs.
//
//   node test/bench/files-bench.mjs [rows=1000000] [repeats=3]   (after npm run build)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportWeights } from './export-weights.mjs';
import { ROOT, commandExists, median, runTimed, shellLine, timeRepeated } from './lib/measure.mjs';

const PYTHON = '/usr/bin/python3';
const IMIND = [process.execPath, join(ROOT, 'bin/imind')];

/** Makes the inputs with `imind simulate` (4 machines, default schema). */
export function makeInputs(dir, rows) {
  mkdirSync(dir, { recursive: true });
  const inputs = { csv: join(dir, 'big.csv'), ndjson: join(dir, 'big.ndjson') };
  for (const [format, path] of Object.entries(inputs)) {
    const r = spawnSync(IMIND[0], [IMIND[1], 'simulate', '--rows', String(rows), '--machines', '4', '--format', format, '--output', path, '--quiet']);
    if (r.status !== 0) throw new Error(`simulate failed: ${r.stderr}`);
  }
  return inputs;
}

function pythonHas(modules) {
  return spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`]).status === 0;
}

/** Largest |a - b| of the anomaly scores in two prediction CSVs (first `rows` rows). */
function scoreDifference(a, b, rows = 10_000) {
  const scores = (path) => {
    const lines = readFileSync(path, 'utf8').split('\n', rows + 1).slice(1);
    return lines.map((l) => Number(l.split(',')[4]));
  };
  const x = scores(a);
  const y = scores(b);
  let max = 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

export async function runFileBenchmarks({ dir = join(tmpdir(), 'imind-bench'), rows = 1_000_000, repeats = 3, log = console.error } = {}) {
  const inputs = makeInputs(dir, rows);
  const out = (name) => join(dir, name);
  const oneCore = commandExists('taskset') ? ['taskset', '-c', '0'] : [];
  const cases = [];
  const commands = [];

  const measure = async (id, label, argv, io = {}, extra = {}) => {
    log(`  ${label}`);
    const result = await timeRepeated(argv, io, extra.repeats ?? repeats);
    const entry = { id, label, command: shellLine(argv, io), rows, ...result, rowsPerSecond: rows / result.seconds, ...extra };
    cases.push(entry);
    commands.push(entry.command);
    return entry;
  };

  // B: imind predict.
  await measure('B-csv', 'B imind predict, CSV file -> CSV file', [...IMIND, 'predict', inputs.csv, '--output', out('b.csv'), '--quiet']);
  await measure('B-ndjson', 'B imind predict, NDJSON file -> NDJSON file', [...IMIND, 'predict', inputs.ndjson, '--output', out('b.ndjson'), '--quiet']);
  await measure('B-stdin-csv', 'B imind predict, CSV stdin -> CSV stdout', [...IMIND, 'predict', '-', '--output-format', 'csv', '--quiet'], { stdinFile: inputs.csv, stdoutFile: out('b-stdout.csv') });
  await measure('B-stdin-ndjson', 'B imind predict, NDJSON stdin -> NDJSON stdout', [...IMIND, 'predict', '-', '--output-format', 'ndjson', '--quiet'], { stdinFile: inputs.ndjson, stdoutFile: out('b-stdout.ndjson') });
  if (oneCore.length > 0) {
    await measure('B-csv-1core', 'B imind predict, CSV file -> CSV file, one core (taskset)', [...oneCore, ...IMIND, 'predict', inputs.csv, '--output', out('b1.csv'), '--quiet']);
    await measure('B-ndjson-1core', 'B imind predict, NDJSON file -> NDJSON file, one core (taskset)', [...oneCore, ...IMIND, 'predict', inputs.ndjson, '--output', out('b1.ndjson'), '--quiet']);
  }

  // A': pandas + PyTorch.
  let pandas = null;
  if (pythonHas(['pandas', 'torch'])) {
    const weights = out('weights.json');
    writeFileSync(weights, JSON.stringify(exportWeights(join(ROOT, 'models/default'))));
    pandas = await measure('A-csv', "A' pandas read_csv + PyTorch, CSV file -> CSV file", [PYTHON, join(ROOT, 'test/bench/pandas_predict.py'), weights, inputs.csv, out('a.csv')]);
    pandas.maxScoreDifference = scoreDifference(out('a.csv'), out('b.csv'));
    const versions = spawnSync(PYTHON, ['-c', 'import pandas, torch, sys; print(sys.version.split()[0], pandas.__version__, torch.__version__)'], { encoding: 'utf8' }).stdout.trim().split(' ');
    pandas.versions = { python: versions[0], pandas: versions[1], torch: versions[2] };
  } else {
    log('  (pandas/torch missing for /usr/bin/python3: apt-get install -y python3-pandas python3-torch)');
  }

  // D': ceilings.
  for (const format of ['csv', 'ndjson']) {
    for (const variant of ['readline', 'chunks']) {
      await measure(`D-${format}-${variant}`, `D' naive Node loop (${variant}), ${format.toUpperCase()} file, read + split + sum`, [process.execPath, join(ROOT, 'test/bench/naive-loop.mjs'), inputs[format], variant]);
    }
  }
  log('  onnxruntime-node on pre-made arrays');
  const ortArgv = [process.execPath, join(ROOT, 'test/bench/ort-ceiling.mjs'), join(ROOT, 'models/default'), String(rows)];
  const ort = spawnSync(ortArgv[0], ortArgv.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const ortRuns = ort.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  commands.push(shellLine(ortArgv));
  log('  csv-parse');
  const csvParseArgv = [process.execPath, join(ROOT, 'test/bench/csv-parse-baseline.mjs'), inputs.csv, String(Math.min(rows, 200_000))];
  const csvParse = spawnSync(csvParseArgv[0], csvParseArgv.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const csvParseRuns = csvParse.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  commands.push(shellLine(csvParseArgv));

  return { rows, repeats, dir, inputs, cases, ort: ortRuns, csvParse: csvParseRuns, commands };
}

/** Profiles one imind predict run (node --cpu-prof) and returns the profile's path. */
export async function profilePredict(input, output, dir) {
  const profDir = join(dir, `prof-${Date.now()}`);
  const argv = [process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, join(ROOT, 'bin/imind'), 'predict', input, '--output', output, '--quiet'];
  await runTimed(argv);
  const { readdirSync } = await import('node:fs');
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  return { path: join(profDir, file), command: shellLine(argv) };
}

export { median };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runFileBenchmarks({ rows: Number(process.argv[2] ?? 1_000_000), repeats: Number(process.argv[3] ?? 3) });
  for (const c of result.cases) console.log(`${c.label.padEnd(70)} ${c.seconds.toFixed(2)} s  ${Math.round(c.rowsPerSecond).toLocaleString('en-US')} rows/s  peak ${c.peakMb.toFixed(0)} MB`);
  console.log(JSON.stringify({ ort: result.ort, csvParse: result.csvParse }));
}
