// HTTP benchmarks: A (the seed's FastAPI service), B (`imind serve`) and D (a
// bare node:http server) under the same load generator (wrk), one process
// each (B also with --workers 2), warm-up first.
//
//   node test/bench/http-bench.mjs [seconds=10]   (after npm run build)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, commandExists, memoryOf } from './lib/measure.mjs';

const PYTHON = '/usr/bin/python3';
const CONCURRENCY = [1, 16, 64];

/** A reading with a naive timestamp: the seed's validator rejects aware ones (it compares with utcnow()). */
function reading(i) {
  return { timestamp: '2024-01-15T10:30:00', machine_id: `MACHINE_00${(i % 4) + 1}`, temperature: 65.5 + (i % 10) / 10, vibration: 1.2, pressure: 45.0, power: 250.0 };
}

function bodies(dir) {
  const single = join(dir, 'single.json');
  const batch = join(dir, 'batch.json');
  writeFileSync(single, JSON.stringify(reading(0)));
  writeFileSync(batch, JSON.stringify({ readings: Array.from({ length: 1000 }, (_, i) => reading(i)) }));
  const lua = (file) => {
    const path = `${file}.lua`;
    writeFileSync(path, `local f = io.open(${JSON.stringify(file)}, "rb")\nwrk.body = f:read("*a")\nf:close()\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n`);
    return path;
  };
  return { single, batch, singleLua: lua(single), batchLua: lua(batch) };
}

/** Every pid in the tree under `pid` (the primary and its cluster workers). */
function tree(pid) {
  const out = [pid];
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) if (line.trim()) out.push(...tree(Number(line.trim())));
  return out;
}

function treeRssMb(pid) {
  return tree(pid).reduce((sum, p) => sum + (memoryOf(p)?.rssMb ?? 0), 0);
}

async function waitReady(url, child, timeoutMs = 30_000) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/**
 * A wrk script that paces each connection: after each response it waits
 * `delayMs` before the next request (wrk's delay() hook), so `connections`
 * connections offer about connections * 1000 / delayMs requests a second.
 */
function pacedLua(lua, delayMs) {
  const path = `${lua}.paced-${delayMs}.lua`;
  writeFileSync(path, `dofile(${JSON.stringify(lua)})\nfunction delay()\n  return ${delayMs}\nend\n`);
  return path;
}

/** Runs wrk and parses requests/s and the latency percentiles of --latency. */
function wrk(url, lua, connections, seconds, threads = Math.min(2, connections)) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, url];
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  const out = r.stdout;
  const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? Number.NaN);
  const percentile = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : Number.NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    command: `wrk ${args.join(' ')}`,
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    non2xx,
  };
}

async function startServer(name, argv, readyUrl) {
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'], detached: true });
  const readyMs = await waitReady(readyUrl, child);
  return { name, child, readyMs: Math.max(readyMs, performance.now() - started - 0) };
}

function stopServer(server) {
  try {
    process.kill(-server.child.pid, 'SIGTERM'); // its process group: the server and its workers
  } catch {
    // already gone
  }
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) resolve();
    else server.child.on('exit', resolve);
  });
}

async function benchServer({ name, argv, base, readyPath, files, seconds, fixedRate = null, log }) {
  log(`  ${name}: ${argv.join(' ')}`);
  const server = await startServer(name, argv, `${base}${readyPath}`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleMb = treeRssMb(server.child.pid);
  let peakMb = idleMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, treeRssMb(server.child.pid))), 250);
  const result = { name, command: argv.join(' '), readyMs: server.readyMs, idleMb, predict: {}, wrkCommands: [] };
  try {
    wrk(`${base}/predict`, files.singleLua, 16, Math.min(5, seconds)); // warm-up
    for (const c of CONCURRENCY) {
      const r = wrk(`${base}/predict`, files.singleLua, c, seconds);
      result.predict[c] = r;
      result.wrkCommands.push(r.command);
    }
    const batch = wrk(`${base}/predict/batch`, files.batchLua, 8, seconds);
    result.batch = { ...batch, readingsPerSecond: batch.requestsPerSecond * 1000 };
    result.wrkCommands.push(batch.command);
    if (fixedRate !== null) {
      const rate = Math.max(1, Math.round(fixedRate(result)));
      // wrk, paced: connections that each wait 2 ms between requests offer `rate` requests a second.
      const delayMs = 2;
      const connections = Math.max(1, Math.round((rate * delayMs) / 1000));
      // One wrk thread: a paced client needs little CPU, and leaves the other core to the server.
      const paced = wrk(`${base}/predict`, pacedLua(files.singleLua, delayMs), connections, seconds, 1);
      result.paced = { rate, delayMs, connections, ...paced };
      result.wrkCommands.push(`${paced.command}  (each connection waits ${delayMs} ms after each response)`);
      // And open-loop from a Node client (it shares the two cores with the server, so it is the pessimistic figure).
      const args = [join(ROOT, 'test/bench/fixed-rate-client.mjs'), `${base}/predict`, files.single, String(rate), String(seconds), '256'];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      result.fixedRate = { ...JSON.parse(r.stdout.trim()), command: `node ${args.join(' ').replace(ROOT + '/', '')}` };
    }
  } finally {
    clearInterval(sampler);
    result.peakMb = peakMb;
    await stopServer(server);
  }
  return result;
}

export async function runHttpBenchmarks({ seconds = 10, log = console.error } = {}) {
  if (!commandExists('wrk')) return { skipped: 'wrk is not installed (apt-get install -y wrk)' };
  const imindHelp = spawnSync(process.execPath, [join(ROOT, 'bin/imind'), 'serve', '--help'], { encoding: 'utf8' }).stdout;
  const dir = mkdtempSync(join(tmpdir(), 'imind-http-'));
  const files = bodies(dir);
  const results = { seconds, servers: [] };
  let port = 18_400;
  const imind = (workers) => [process.execPath, join(ROOT, 'bin/imind'), 'serve', '--port', String(++port), '--workers', String(workers), '--log-level', 'warn'];

  if (!imindHelp.includes('--workers')) {
    results.imindSkipped = '`imind serve` is not implemented yet';
  } else {
    const argv = imind(1);
    const b = await benchServer({
      name: 'B imind serve',
      argv,
      base: `http://127.0.0.1:${port}`,
      readyPath: '/ready',
      files,
      seconds,
      // p99 at half of B's highest /predict rate.
      fixedRate: (r) => Math.max(...Object.values(r.predict).map((p) => p.requestsPerSecond)) / 2,
      log,
    });
    results.servers.push(b);
    const argv2 = imind(2);
    results.servers.push(await benchServer({ name: 'B imind serve --workers 2', argv: argv2, base: `http://127.0.0.1:${port}`, readyPath: '/ready', files, seconds, log }));
  }
  port++;
  results.servers.push(
    await benchServer({ name: 'D bare node:http', argv: [process.execPath, join(ROOT, 'test/bench/bare-server.mjs'), String(port)], base: `http://127.0.0.1:${port}`, readyPath: '/', files, seconds, log }),
  );
  const seedOk = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn, uvloop, httptools, torch']).status === 0;
  if (seedOk) {
    port++;
    results.servers.push(
      await benchServer({ name: "A seed's FastAPI + uvicorn", argv: [PYTHON, join(ROOT, 'test/bench/seed/seed_app.py'), String(port)], base: `http://127.0.0.1:${port}`, readyPath: '/health', files, seconds, log }),
    );
  } else {
    results.seedSkipped = 'python3-fastapi, python3-uvicorn, python3-uvloop, python3-httptools or python3-torch missing';
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runHttpBenchmarks({ seconds: Number(process.argv[2] ?? 10) });
  console.log(JSON.stringify(results, null, 1));
}
