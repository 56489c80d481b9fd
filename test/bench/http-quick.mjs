// HTTP figures of `imind serve` (dist/, so run `npm run build` first; needs wrk:
// `apt-get install -y wrk`). On this machine wrk and the server share the cores.
//
//   node test/bench/http-quick.mjs [seconds=10] [connections=16] [workers=1]
//
// 1. POST /predict req/s and latency: a bare node:http server that reads the
//    body and returns fixed JSON (the ceiling) vs `imind serve` (one worker),
//    wrk -t1 -c16 -d10s, same request body (the seed client's reading).
// 2. p99 latency at about half of the measured /predict rate (wrk with a random
//    think time per request: closed loop, so the rate is approximate).
// 3. Time from spawn to GET /ready = 200, and RSS after 1 s idle.
// 4. With workers > 1: `imind serve --workers N` vs the bare server in N
//    node:cluster processes.
// A model is fitted into a temp folder first (15 epochs, 2000 synthetic rows).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AUTOENCODER_OPTIONS, fitAutoencoder } from '../../dist/detectors/fit-autoencoder.js';
import { writeModelFiles } from '../../dist/model/model-files.js';
import { builtinSchemas } from '../../dist/schema/builtin-schemas.js';
import { Prng } from '../../dist/util/prng.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const workers = Number(process.argv[4] ?? 1);
const bin = fileURLToPath(new URL('../../bin/imind', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'imind-http-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const reading = {
  timestamp: '2024-01-15T10:30:00Z',
  machine_id: 'MACHINE_001',
  temperature: 85.0,
  vibration: 2.5,
  pressure: 45.0,
  power: 250.0,
};
const lua = (delayMs) =>
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify(reading)}'\n` +
  (delayMs ? `function delay() return math.random(0, ${2 * delayMs}) end\n` : '');

async function fitModel() {
  const rng = new Prng(7);
  const rows = 2000;
  const values = new Float64Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    const load = 1 + 0.1 * rng.normal();
    values.set(
      [
        55 + 10 * load + 0.3 * rng.normal(),
        1.2 * load + 0.03 * rng.normal(),
        40 + 5 * load + 0.3 * rng.normal(),
        250 * load + 3 * rng.normal(),
      ],
      r * 4,
    );
  }
  const schema = builtinSchemas.get('default');
  const fitted = fitAutoencoder(
    { schema, values, rows, dataSha256: 'x', files: ['synthetic'] },
    { ...DEFAULT_AUTOENCODER_OPTIONS, epochs: 15 },
  );
  await writeModelFiles(join(dir, 'model'), fitted.onnxBytes, fitted.metadata);
  return join(dir, 'model');
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url, okStatus = 200, everyMs = 2) {
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === okStatus) return;
    } catch {
      // not listening yet
    }
    await sleep(everyMs);
  }
}

function wrk(url, { delayMs = 0, conns = connections, secs = seconds } = {}) {
  const script = join(dir, `post-${delayMs}.lua`);
  writeFileSync(script, lua(delayMs));
  const out = execFileSync('wrk', ['-t1', `-c${conns}`, `-d${secs}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const latency = {};
  for (const m of out.matchAll(/^\s+(\d+)%\s+([\d.]+)(us|ms|s)$/gm))
    latency[`p${m[1]}`] = Number(m[2]) * (m[3] === 'us' ? 0.001 : m[3] === 's' ? 1000 : 1);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, latency, non2xx: Number(errors) };
}

const BARE = `import cluster from 'node:cluster';
import http from 'node:http';
const workers = Number(process.argv[3] ?? 1);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
} else {
const body = '{"is_anomaly":true,"anomaly_score":1.2345,"threshold":0.72,"confidence":0.41,"timestamp":"2024-01-15T10:30:00.000Z","machine_id":"MACHINE_001"}';
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.argv[2]), '127.0.0.1');
}
`;

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const model = await fitModel();
const results = {};
try {
  // Start to ready and idle RSS (3 runs, median).
  const starts = [];
  let rss = 0;
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--model', model, '--port', String(port), '--log-level', 'warn'],
      { stdio: 'ignore' },
    );
    await waitFor(`http://127.0.0.1:${port}/ready`);
    starts.push(performance.now() - t0);
    if (i === 0) {
      await sleep(1000);
      rss = rssMb(child.pid);
    }
    await stop(child);
  }
  starts.sort((a, b) => a - b);
  results.startToReadyMs = Math.round(starts[1]);
  results.idleRssMb = Math.round(rss);

  // Bare node:http ceiling.
  const barePath = join(dir, 'bare.mjs');
  writeFileSync(barePath, BARE);
  const barePort = await freePort();
  const bare = spawn(process.execPath, [barePath, String(barePort)], { stdio: 'inherit' });
  await waitFor(`http://127.0.0.1:${barePort}/`, 200);
  wrk(`http://127.0.0.1:${barePort}/predict`, { secs: 2 });
  results.bare = wrk(`http://127.0.0.1:${barePort}/predict`);
  await stop(bare);

  // imind serve.
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [bin, 'serve', '--model', model, '--port', String(port), '--log-level', 'warn'],
    { stdio: 'inherit' },
  );
  await waitFor(`http://127.0.0.1:${port}/ready`);
  const url = `http://127.0.0.1:${port}/predict`;
  wrk(url, { secs: 2 });
  results.imind = wrk(url);
  // Half load: a random think time (0..4 ms, mean 2) before each request, so that the
  // connections do not fire in step; connections chosen for about half the rate.
  const delayMs = 2;
  const conns = Math.max(1, Math.round((results.imind.rps / 2) * ((delayMs + 0.5) / 1000)));
  results.halfLoad = { connections: conns, thinkMs: delayMs, ...wrk(url, { delayMs, conns }) };
  await stop(server);

  if (workers > 1) {
    const p1 = await freePort();
    const bareN = spawn(process.execPath, [barePath, String(p1), String(workers)], { stdio: 'inherit' });
    await waitFor(`http://127.0.0.1:${p1}/`, 200);
    wrk(`http://127.0.0.1:${p1}/predict`, { secs: 2 });
    results.bareWorkers = wrk(`http://127.0.0.1:${p1}/predict`);
    await stop(bareN);
    const p2 = await freePort();
    const serverN = spawn(
      process.execPath,
      [bin, 'serve', '--model', model, '--port', String(p2), '--log-level', 'warn', '--workers', String(workers)],
      { stdio: 'inherit' },
    );
    await waitFor(`http://127.0.0.1:${p2}/ready`);
    await sleep(500); // let every worker finish loading
    wrk(`http://127.0.0.1:${p2}/predict`, { secs: 2 });
    results.imindWorkers = wrk(`http://127.0.0.1:${p2}/predict`);
    await stop(serverN);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const r = results;
console.log(`start to ready (median of 3): ${r.startToReadyMs} ms; idle RSS: ${r.idleRssMb} MB`);
console.log(
  `bare node:http fixed JSON: ${Math.round(r.bare.rps)} req/s, p50 ${r.bare.latency.p50} ms, p99 ${r.bare.latency.p99} ms`,
);
console.log(
  `imind serve POST /predict: ${Math.round(r.imind.rps)} req/s (${((r.imind.rps / r.bare.rps) * 100).toFixed(1)}% of bare), ` +
    `p50 ${r.imind.latency.p50} ms, p99 ${r.imind.latency.p99} ms, non-2xx ${r.imind.non2xx}`,
);
console.log(
  `half load (${r.halfLoad.connections} connections, 0..${2 * r.halfLoad.thinkMs} ms random think time): ${Math.round(r.halfLoad.rps)} req/s, ` +
    `p50 ${r.halfLoad.latency.p50} ms, p99 ${r.halfLoad.latency.p99} ms`,
);
if (r.imindWorkers) {
  console.log(
    `${workers} processes: bare ${Math.round(r.bareWorkers.rps)} req/s; imind serve --workers ${workers} ${Math.round(r.imindWorkers.rps)} req/s ` +
      `(${((r.imindWorkers.rps / r.bareWorkers.rps) * 100).toFixed(1)}% of bare with ${workers}, ${((r.imindWorkers.rps / r.bare.rps) * 100).toFixed(1)}% of bare with 1), ` +
      `p99 ${r.imindWorkers.latency.p99} ms`,
  );
}
console.log(JSON.stringify(r));
