// Runs every benchmark of the project on this machine and writes
// test/bench/RESULTS.md (and results.json beside it): `imind predict` against a
// pandas + PyTorch script and the ceilings, memory on a long stream, start-up,
// and `imind serve` against the seed's FastAPI service and a bare node:http
// server; each target is checked, and the runs behind targets that are not met
// are profiled. Takes about a quarter of an hour. Not part of `npm test`.
//
//   npm run bench          (= npm run build && node test/bench/run-all.mjs)
//
// Settings (environment): BENCH_ROWS (1000000), BENCH_REPEATS (3),
// BENCH_STREAM_GB (10), BENCH_STREAM_SECONDS (200), BENCH_HTTP_SECONDS (10).
import { statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFileBenchmarks } from './files-bench.mjs';
import { runHttpBenchmarks } from './http-bench.mjs';
import { ROOT, capture, fmt } from './lib/measure.mjs';
import { profilePredict, profileServe } from './profiles.mjs';
import { renderResults } from './results-md.mjs';
import { runStartupBenchmarks } from './startup-bench.mjs';
import { streamRss } from './stream-rss.mjs';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const settings = {
  rows: env('BENCH_ROWS', 1_000_000),
  repeats: env('BENCH_REPEATS', 3),
  streamGb: env('BENCH_STREAM_GB', 10),
  streamSeconds: env('BENCH_STREAM_SECONDS', 200),
  httpSeconds: env('BENCH_HTTP_SECONDS', 10),
};
const log = (line) => process.stderr.write(`${line}\n`);
const started = performance.now();
const dir = join(tmpdir(), 'imind-bench');

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: totalmem() / 2 ** 30,
  os: capture('uname', ['-srm']) ?? process.platform,
  node: process.version,
  nodePath: process.execPath,
  python: capture('/usr/bin/python3', ['--version']),
  wrk: capture('sh', ['-c', 'wrk --version 2>&1 | head -1'])?.split(' ').slice(0, 2).join(' '),
  load: loadavg().map((x) => x.toFixed(2)).join(', '),
};

log('files: imind predict, pandas + PyTorch, naive loops, onnxruntime alone');
const files = await runFileBenchmarks({ dir, rows: settings.rows, repeats: settings.repeats, log });
log(`stream: up to ${settings.streamGb} GB of NDJSON through stdin (at most ${settings.streamSeconds} s)`);
const stream = await streamRss({ format: 'ndjson', gigabytes: settings.streamGb, seconds: settings.streamSeconds, log });
log('start-up');
const startup = runStartupBenchmarks();
log('http');
const http = await runHttpBenchmarks({ seconds: settings.httpSeconds, log });

// Targets.
const byId = Object.fromEntries(files.cases.map((c) => [c.id, c]));
const rate = (id) => byId[id]?.rowsPerSecond ?? Number.NaN;
const check = (value, ok) => (Number.isFinite(value) ? ok(value) : null);
const fileTargets = [];
for (const format of ['csv', 'ndjson']) {
  const F = format.toUpperCase();
  const oneCore = rate(`B-${format}-1core`);
  fileTargets.push({ id: `rate-${format}`, target: `B ≥ 500,000 rows/s end to end on one core, ${F}`, measured: `${fmt.int(oneCore)} rows/s (taskset -c 0; ${fmt.int(rate(`B-${format}`))} on ${machine.cores} cores)`, met: check(oneCore, (v) => v >= 500_000) });
}
const vsPandas = byId['A-csv'] ? byId['A-csv'].seconds / byId['B-csv'].seconds : Number.NaN;
fileTargets.push({ id: 'vs-pandas', target: 'B ≥ 7× A′ (CSV file → CSV file)', measured: `${fmt.x(vsPandas)} (${fmt.s(byId['B-csv'].seconds)} vs ${fmt.s(byId['A-csv']?.seconds)}; one core: ${fmt.x(byId['A-csv']?.seconds / byId['B-csv-1core']?.seconds)})`, met: check(vsPandas, (v) => v >= 7) });
for (const format of ['csv', 'ndjson']) {
  const F = format.toUpperCase();
  const vsNaive = rate(`B-${format}`) / rate(`D-${format}-readline`);
  const vsTight = rate(`B-${format}`) / rate(`D-${format}-chunks`);
  fileTargets.push({ id: `vs-naive-${format}`, target: `B ≥ 70 % of the naive loop (readline), ${F}`, measured: `${fmt.pct(vsNaive)} (${fmt.int(rate(`B-${format}`))} vs ${fmt.int(rate(`D-${format}-readline`))} rows/s); of the chunk-split loop: ${fmt.pct(vsTight)}`, met: check(vsNaive, (v) => v >= 0.7) });
}
fileTargets.push({ id: 'rss', target: 'RSS ≤ 200 MB for any input size (long stdin stream)', measured: `${fmt.mb(stream.peakMb)} peak over ${(stream.bytes / 1e9).toFixed(1)} GB; file runs: ${fmt.mb(Math.max(...files.cases.filter((c) => c.id.startsWith('B-')).map((c) => c.peakMb)))} at most`, met: check(stream.peakMb, (v) => v <= 200) });
const startupCase = (id) => startup.cases.find((c) => c.id === id)?.meanMs ?? Number.NaN;
fileTargets.push({ id: 'version', target: '`imind --version` ≤ 150 ms', measured: `${fmt.ms(startupCase('version'))} mean`, met: check(startupCase('version'), (v) => v <= 150) });
fileTargets.push({ id: 'predict10', target: '10-row predict ≤ 300 ms', measured: `${fmt.ms(startupCase('predict10'))} mean`, met: check(startupCase('predict10'), (v) => v <= 300) });

const httpTargets = [];
if (!http.skipped) {
  const server = (prefix) => http.servers.find((s) => s.name.startsWith(prefix));
  const b = http.servers.find((s) => s.name === 'B imind serve');
  const b2 = server('B imind serve --workers 2');
  const d = server('D ');
  const a = server('A ');
  const best = (s) => (s ? Math.max(...Object.values(s.predict).map((p) => p.requestsPerSecond)) : Number.NaN);
  httpTargets.push({ target: '/predict ≥ 70 % of D (best of c = 1, 16, 64)', measured: `${fmt.pct(best(b) / best(d))} (${fmt.int(best(b))} vs ${fmt.int(best(d))} req/s); ${fmt.x(best(b) / best(a))} A`, met: check(best(b) / best(d), (v) => v >= 0.7) });
  const batchRatio = (b?.batch?.readingsPerSecond ?? Number.NaN) / (a?.batch?.readingsPerSecond ?? Number.NaN);
  httpTargets.push({ target: '/predict/batch readings/s ≥ 30× A', measured: `${fmt.x(batchRatio)} (${fmt.int(b?.batch?.readingsPerSecond)} vs ${fmt.int(a?.batch?.readingsPerSecond)}); --workers 2: ${fmt.x((b2?.batch?.readingsPerSecond ?? Number.NaN) / (a?.batch?.readingsPerSecond ?? Number.NaN))}`, met: check(batchRatio, (v) => v >= 30) });
  httpTargets.push({ target: 'p99 of /predict at half of B’s maximum rate ≤ 2 ms', measured: `${fmt.ms(b?.paced?.p99Ms, 2)} (wrk paced, ${fmt.int(b?.paced?.requestsPerSecond)} req/s); open-loop Node client: ${fmt.ms(b?.fixedRate?.p99Ms, 2)}`, met: check(b?.paced?.p99Ms, (v) => v <= 2) });
  httpTargets.push({ target: 'idle RSS ≤ 120 MB', measured: fmt.mb(b?.idleMb), met: check(b?.idleMb, (v) => v <= 120) });
  httpTargets.push({ target: 'start → /ready ≤ 500 ms', measured: `${fmt.ms(b?.readyMs, 0)} (--workers 2: ${fmt.ms(b2?.readyMs, 0)})`, met: check(b?.readyMs, (v) => v <= 500) });
  httpTargets.push({ target: '`--workers 2` beats 1 (2 cores)', measured: `/predict ${fmt.int(best(b2))} vs ${fmt.int(best(b))} req/s; batch ${fmt.int(b2?.batch?.readingsPerSecond)} vs ${fmt.int(b?.batch?.readingsPerSecond)} readings/s`, met: check(best(b2) - best(b), (v) => v > 0) });
}

// Profiles of what is not met.
log('profiles of the targets not met');
const profiles = [];
const unmet = (id) => fileTargets.find((x) => x.id === id)?.met === false;
if (unmet('rate-ndjson') || unmet('rate-csv')) {
  const format = unmet('rate-ndjson') ? 'ndjson' : 'csv';
  profiles.push({ title: `imind predict, ${format.toUpperCase()}, one core`, why: `B on one core is below 500,000 rows/s for ${format.toUpperCase()}.`, profile: await profilePredict({ input: files.inputs[format], output: join(dir, `prof.${format}`), dir, oneCore: true }) });
}
for (const format of ['csv', 'ndjson']) {
  if (unmet(`vs-naive-${format}`) || (format === 'csv' && unmet('vs-pandas'))) {
    profiles.push({ title: `imind predict, ${format.toUpperCase()}, ${machine.cores} cores`, why: `B against the naive loop${format === 'csv' ? ' / pandas' : ''} (${format.toUpperCase()}).`, profile: await profilePredict({ input: files.inputs[format], output: join(dir, `prof2.${format}`), dir }) });
  }
}
const notes = [];
if (!http.skipped && http.servers.some((s) => s.name === 'B imind serve')) {
  const { writeFileSync: write } = await import('node:fs');
  const batchLua = join(dir, 'batch.lua');
  const body = JSON.stringify({ readings: Array.from({ length: 1000 }, (_, i) => ({ timestamp: '2024-01-15T10:30:00', machine_id: `MACHINE_00${(i % 4) + 1}`, temperature: 65.5 + (i % 10) / 10, vibration: 1.2, pressure: 45.0, power: 250.0 })) });
  write(join(dir, 'batch.json'), body);
  write(batchLua, `local f = io.open(${JSON.stringify(join(dir, 'batch.json'))}, "rb")\nwrk.body = f:read("*a")\nf:close()\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n`);
  if (httpTargets[1]?.met === false) {
    profiles.push({ title: 'imind serve, /predict/batch (1000 readings)', why: '/predict/batch is below 30× A.', profile: await profileServe({ dir, port: 18_499, path: '/predict/batch', lua: batchLua }) });
  }
  if (httpTargets[2]?.met === false || httpTargets[0]?.met === false) {
    const singleLua = join(dir, 'single.lua');
    write(join(dir, 'single.json'), JSON.stringify({ timestamp: '2024-01-15T10:30:00', machine_id: 'MACHINE_001', temperature: 65.5, vibration: 1.2, pressure: 45.0, power: 250.0 }));
    write(singleLua, `local f = io.open(${JSON.stringify(join(dir, 'single.json'))}, "rb")\nwrk.body = f:read("*a")\nf:close()\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n`);
    profiles.push({ title: 'imind serve, /predict (c = 16)', why: '/predict latency or throughput target not met.', profile: await profileServe({ dir, port: 18_498, path: '/predict', lua: singleLua, connections: 16 }) });
  }
}

// Cost of monitoring (issue 6): /predict with metrics and request logs on (defaults) vs off, alternating rounds.
let monitoring = null;
if (!http.skipped) {
  log('monitoring: metrics and logs on vs off');
  const out = capture(process.execPath, [join(ROOT, 'test/bench/monitoring-overhead.mjs'), '4', '6']);
  const loss = out ? /loss (-?[\d.]+)%/.exec(out) : null;
  monitoring = { command: 'node test/bench/monitoring-overhead.mjs 4 6', output: out, lossPct: loss ? Number(loss[1]) : null };
}

machine.loadAtEnd = loadavg().map((x) => x.toFixed(2)).join(', ');
const results = {
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  durationSeconds: (performance.now() - started) / 1000,
  root: ROOT,
  machine,
  settings,
  streamSeconds: settings.streamSeconds,
  inputSizes: { csv: statSync(files.inputs.csv).size, ndjson: statSync(files.inputs.ndjson).size },
  files,
  stream,
  startup,
  http,
  targets: { files: fileTargets, http: httpTargets },
  profiles,
  notes,
  monitoring,
  commands: [
    ...files.commands,
    stream.command,
    startup.command,
    ...(http.servers ?? []).flatMap((s) => [s.command, ...s.wrkCommands, ...(s.fixedRate ? [s.fixedRate.command] : [])]),
    ...profiles.map((p) => p.profile.command),
  ],
};
writeFileSync(join(ROOT, 'test/bench/results.json'), `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(ROOT, 'test/bench/RESULTS.md'), renderResults(results));
log(`wrote test/bench/RESULTS.md in ${(results.durationSeconds / 60).toFixed(1)} min`);
