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
import { ROOT, commandExists, median, runTimed, shellLine } from './lib/measure.mjs';

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

  // Every case is listed first, then run round-robin (`repeats` rounds), so that a burst of load from
  // other programs on this shared machine hits all of them alike rather than one case's runs.
  const planned = [];
  const plan = (id, label, argv, io = {}) => planned.push({ id, label, argv, io, runs: [] });

  // B: imind predict.
  plan('B-csv', 'B imind predict, CSV file -> CSV file', [...IMIND, 'predict', inputs.csv, '--output', out('b.csv'), '--quiet']);
  plan('B-ndjson', 'B imind predict, NDJSON file -> NDJSON file', [...IMIND, 'predict', inputs.ndjson, '--output', out('b.ndjson'), '--quiet']);
  plan('B-stdin-csv', 'B imind predict, CSV stdin -> CSV stdout', [...IMIND, 'predict', '-', '--output-format', 'csv', '--quiet'], { stdinFile: inputs.csv, stdoutFile: out('b-stdout.csv') });
  plan('B-stdin-ndjson', 'B imind predict, NDJSON stdin -> NDJSON stdout', [...IMIND, 'predict', '-', '--output-format', 'ndjson', '--quiet'], { stdinFile: inputs.ndjson, stdoutFile: out('b-stdout.ndjson') });
  if (oneCore.length > 0) {
    plan('B-csv-1core', 'B imind predict, CSV file -> CSV file, one core (taskset)', [...oneCore, ...IMIND, 'predict', inputs.csv, '--output', out('b1.csv'), '--quiet']);
    plan('B-ndjson-1core', 'B imind predict, NDJSON file -> NDJSON file, one core (taskset)', [...oneCore, ...IMIND, 'predict', inputs.ndjson, '--output', out('b1.ndjson'), '--quiet']);
  }
  // A': pandas + PyTorch.
  const withPandas = pythonHas(['pandas', 'torch']);
  if (withPandas) {
    const weights = out('weights.json');
    writeFileSync(weights, JSON.stringify(exportWeights(join(ROOT, 'models/default'))));
    plan('A-csv', "A' pandas read_csv + PyTorch, CSV file -> CSV file", [PYTHON, join(ROOT, 'test/bench/pandas_predict.py'), weights, inputs.csv, out('a.csv')]);
  } else {
    log('  (pandas/torch missing for /usr/bin/python3: apt-get install -y python3-pandas python3-torch)');
  }
  // D': the naive loops.
  for (const format of ['csv', 'ndjson']) {
    for (const variant of ['readline', 'chunks']) {
      plan(`D-${format}-${variant}`, `D' naive Node loop (${variant}), ${format.toUpperCase()} file, read + split + sum`, [process.execPath, join(ROOT, 'test/bench/naive-loop.mjs'), inputs[format], variant]);
    }
  }

  for (let round = 1; round <= repeats; round++) {
    log(`  round ${round} of ${repeats}`);
    for (const c of planned) {
      const run = await runTimed(c.argv, c.io);
      if (run.code !== 0) throw new Error(`${c.argv.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}`);
      c.runs.push(run);
    }
  }
  for (const c of planned) {
    const seconds = median(c.runs.map((r) => r.seconds));
    cases.push({
      id: c.id,
      label: c.label,
      command: shellLine(c.argv, c.io),
      rows,
      seconds,
      runs: c.runs.map((r) => r.seconds),
      peakMb: Math.max(...c.runs.map((r) => r.peakMb)),
      rowsPerSecond: rows / seconds,
    });
    commands.push(shellLine(c.argv, c.io));
  }
  const pandas = cases.find((c) => c.id === 'A-csv');
  if (pandas) {
    pandas.maxScoreDifference = scoreDifference(out('a.csv'), out('b.csv'));
    const versions = spawnSync(PYTHON, ['-c', 'import pandas, torch, sys; print(sys.version.split()[0], pandas.__version__, torch.__version__)'], { encoding: 'utf8' }).stdout.trim().split(' ');
    pandas.versions = { python: versions[0], pandas: versions[1], torch: versions[2] };
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runFileBenchmarks({ rows: Number(process.argv[2] ?? 1_000_000), repeats: Number(process.argv[3] ?? 3) });
  for (const c of result.cases) console.log(`${c.label.padEnd(70)} ${c.seconds.toFixed(2)} s  ${Math.round(c.rowsPerSecond).toLocaleString('en-US')} rows/s  peak ${c.peakMb.toFixed(0)} MB`);
  console.log(JSON.stringify({ ort: result.ort, csvParse: result.csvParse }));
}
