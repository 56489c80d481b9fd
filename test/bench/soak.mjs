// Load and soak test of `imind serve` (dist/, so `npm run build` first; `npm run soak` does both).
//
//   node test/bench/soak.mjs [--overload-seconds 60] [--soak-seconds 600] [--route batch|predict]
//                            [--batch 100] [--unloaded-seconds 10] [--max-in-flight auto|N] [--open-loop]
//                            [--out test/bench/SOAK.md]
//
// On one loopback port (127.0.0.1 only), with the shipped model:
// 1. unloaded: one client, one request at a time: the latency a lone request sees (p50, p99);
// 2. saturation: closed-loop clients 1, 2, 4, ... until the rate of answered requests stops growing; the
//    saturating concurrency is the fewest clients reaching 90 % of the best rate;
// 3. overload, on a server with IMIND_MAX_IN_FLIGHT = --max-in-flight (auto: the saturating concurrency):
//    twice as many clients as it admits, each sending again the moment it is answered, 503s included (no
//    back-off), for --overload-seconds: accepted requests' p99 against 3x the unloaded p99, how fast the
//    excess gets its 503, connection errors. With --open-loop also 10 s of arrivals on a fixed schedule at
//    2x the saturation rate (latency from each request's scheduled time);
// 4. soak, on a fresh server with the default in-flight limit (or --max-in-flight N): an open-loop load at half
//    the saturation rate for --soak-seconds, the server's RSS sampled every second: growth from the first
//    minute (median) to the last.
// The load generator speaks HTTP/1.1 over raw keep-alive sockets (a request's bytes are prepared once), so
// one generator core can offer far more than the server's one core handles. Figures go to --out.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ROOT, memoryOf, median } from './lib/measure.mjs';

const { values: args } = parseArgs({
  options: {
    'overload-seconds': { type: 'string', default: '60' },
    'soak-seconds': { type: 'string', default: '600' },
    'unloaded-seconds': { type: 'string', default: '10' },
    route: { type: 'string', default: 'batch' },
    batch: { type: 'string', default: '100' },
    'max-in-flight': { type: 'string', default: 'auto' },
    'open-loop': { type: 'boolean', default: false },
    out: { type: 'string', default: `${ROOT}/test/bench/SOAK.md` },
  },
});
const HOST = '127.0.0.1';
const overloadSeconds = Number(args['overload-seconds']);
const soakSeconds = Number(args['soak-seconds']);
const unloadedSeconds = Number(args['unloaded-seconds']);
const batchSize = Number(args.batch);
const route = args.route === 'predict' ? '/predict' : '/predict/batch';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the server ------------------------------------------------------------------------------------
const env = { ...process.env, ORT_DISABLE_TELEMETRY: process.env.ORT_DISABLE_TELEMETRY ?? '1' };

/** A free loopback port, chosen here: at --log-level warn the server does not log it (info logs every request). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, HOST, () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
    probe.once('error', reject);
  });
}

/** Starts `imind serve` on 127.0.0.1 with the given IMIND_MAX_IN_FLIGHT and waits until it is ready. */
async function startServer(maxInFlight) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [`${ROOT}/bin/imind`, 'serve', '--host', HOST, '--port', String(port), '--log-level', 'warn'],
    {
      cwd: ROOT,
      env: { ...env, ...(maxInFlight ? { IMIND_MAX_IN_FLIGHT: String(maxInFlight) } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (c) => (log += c));
  const exit = new Promise((r) => child.once('exit', (code) => r(code)));
  process.on('exit', () => child.kill('SIGKILL'));
  for (let i = 0; ; i++) {
    const r = await fetch(`http://${HOST}:${port}/ready`).catch(() => null);
    if (r?.status === 200) break;
    if (child.exitCode !== null || i > 600) throw new Error(`imind serve did not get ready:\n${log}`);
    await sleep(50);
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const code = await exit;
      if (code !== 0) process.stderr.write(`imind serve exited with ${code}:\n${log}\n`);
      return code;
    },
  };
}

// ---- the request -----------------------------------------------------------------------------------
const reading = (i) => ({
  timestamp: '2024-01-15T10:30:00Z',
  machine_id: `MACHINE_${String(i % 20).padStart(3, '0')}`,
  temperature: 60 + (i % 11),
  vibration: 1.2,
  pressure: 45,
  power: 250,
});
const body =
  route === '/predict'
    ? JSON.stringify(reading(1))
    : JSON.stringify({ readings: Array.from({ length: batchSize }, (_, i) => reading(i)) });
const REQUEST = Buffer.from(
  `POST ${route} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
);
/** The port of the server under load. */
let port = 0;

// ---- the load generator ----------------------------------------------------------------------------
/** One keep-alive connection, one request at a time; answers are framed by Content-Length. */
class Connection {
  constructor(stats, onFree) {
    this.stats = stats;
    this.onFree = onFree;
    this.pending = null; // { scheduled }
    this.buffer = null;
    this.closed = false;
    /** performance.now() since when it waits for a request (null while one is out). */
    this.idleSince = null;
    /** Call onFree once connected (first connection, or after the server closed it). */
    this.needsFree = true;
    this.open();
  }

  open() {
    this.ready = false;
    const socket = connect(port, HOST, () => {
      if (socket !== this.socket) return;
      this.ready = true;
      socket.setNoDelay(true);
      if (this.pending) socket.write(REQUEST);
      else if (this.needsFree) {
        this.needsFree = false;
        this.idleSince = performance.now();
        this.onFree(this);
      }
    });
    this.socket = socket;
    socket.on('data', (d) => {
      if (socket === this.socket) this.data(d);
    });
    socket.on('error', (e) => {
      const key = e.code ?? e.message;
      this.stats.connectionErrors.set(key, (this.stats.connectionErrors.get(key) ?? 0) + 1);
    });
    socket.on('close', () => {
      if (this.closed || socket !== this.socket) return;
      if (this.pending) {
        this.stats.failed++;
        this.pending = null;
        this.needsFree = true;
      }
      this.buffer = null;
      this.open();
    });
  }

  send(scheduled) {
    this.pending = { scheduled };
    // Like HTTP clients, do not reuse a socket idle for about as long as the server keeps one (5 s): it may be
    // closing it just now. Open a fresh one instead.
    const stale = this.idleSince !== null && performance.now() - this.idleSince > 4_000;
    this.idleSince = null;
    if (stale) {
      const old = this.socket;
      this.buffer = null;
      this.open();
      old.destroy();
    } else if (this.ready) this.socket.write(REQUEST);
  }

  data(chunk) {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const status = Number(head.slice(9, 12));
      const close = /\r\nconnection: *close/i.test(head);
      this.buffer = this.buffer.length === end + 4 + length ? null : this.buffer.subarray(end + 4 + length);
      const pending = this.pending;
      this.pending = null;
      if (pending) this.stats.record(status, performance.now() - pending.scheduled);
      if (close) {
        this.stats.closedByServer++;
        this.needsFree = true;
        this.socket.destroy(); // 'close' reopens it, then frees it
        return;
      }
      this.idleSince = performance.now();
      this.onFree(this);
      if (!this.buffer) return;
    }
  }

  destroy() {
    this.closed = true;
    this.socket.destroy();
  }
}

class Stats {
  constructor() {
    this.latency = new Map(); // status -> ms[]
    this.failed = 0;
    this.closedByServer = 0;
    this.connectionErrors = new Map();
  }
  record(status, ms) {
    let list = this.latency.get(status);
    if (!list) this.latency.set(status, (list = []));
    list.push(ms);
  }
  count(status) {
    return this.latency.get(status)?.length ?? 0;
  }
  percentile(status, p) {
    const list = this.latency.get(status);
    if (!list || list.length === 0) return Number.NaN;
    const sorted = Float64Array.from(list).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
  errors() {
    let n = 0;
    for (const v of this.connectionErrors.values()) n += v;
    return n;
  }
}

/** `clients` connections, each sending its next request as soon as the last is answered. */
async function closedLoop(clients, seconds) {
  const stats = new Stats();
  let running = true;
  const conns = [];
  const started = performance.now();
  const free = (c) => {
    if (running) c.send(performance.now());
  };
  for (let i = 0; i < clients; i++) conns.push(new Connection(stats, free));
  await sleep(seconds * 1000);
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  await sleep(200);
  for (const c of conns) c.destroy();
  return { stats, elapsed };
}

/**
 * Requests at `rate` per second on a fixed schedule, each on an idle connection (new ones opened as
 * needed, up to `maxConnections`; beyond that they wait, and the wait counts in their latency).
 */
async function openLoop(rate, seconds, maxConnections = 2048) {
  const stats = new Stats();
  const idle = [];
  const waiting = [];
  const conns = [];
  let running = true;
  const free = (c) => {
    const next = waiting.shift();
    if (next !== undefined) c.send(next);
    else if (running) idle.push(c);
  };
  const started = performance.now();
  let issued = 0;
  const total = Math.floor(rate * seconds);
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; issued < due; issued++) {
        const scheduled = started + (issued / rate) * 1000;
        const c = idle.pop();
        if (c) c.send(scheduled);
        else if (conns.length < maxConnections) {
          const fresh = new Connection(stats, free);
          conns.push(fresh);
          fresh.send(scheduled);
        } else waiting.push(scheduled);
      }
      if (issued >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  // Let the last answers arrive (up to 10 s).
  for (let i = 0; i < 100 && conns.some((c) => c.pending); i++) await sleep(100);
  running = false;
  const unanswered = conns.filter((c) => c.pending).length + waiting.length;
  for (const c of conns) c.destroy();
  return { stats, elapsed: seconds, connections: conns.length, unanswered };
}

const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : '–');
const log = (line) => process.stderr.write(`${line}\n`);

// ---- 1. unloaded and 2. saturation, on a server without an in-flight limit ---------------------------
let serving = await startServer(1_000_000);
port = serving.port;
await closedLoop(4, 2); // warm-up (JIT, ONNX session)
const unloaded = await closedLoop(1, unloadedSeconds);
const unloadedP99 = unloaded.stats.percentile(200, 99);
const unloadedP50 = unloaded.stats.percentile(200, 50);
log(`unloaded: ${unloaded.stats.count(200)} requests, p50 ${fmt(unloadedP50)}, p99 ${fmt(unloadedP99)}`);

const levels = [];
for (const clients of [1, 2, 4, 8, 16, 32]) {
  const { stats, elapsed } = await closedLoop(clients, 3);
  const rate = stats.count(200) / elapsed;
  levels.push({ clients, rate, p99: stats.percentile(200, 99) });
  log(`closed loop, ${clients} clients: ${rate.toFixed(0)} answered/s, p99 ${fmt(stats.percentile(200, 99))}`);
  if (levels.length >= 3 && rate < 1.05 * Math.max(...levels.slice(0, -1).map((l) => l.rate))) break;
}
const saturation = Math.max(...levels.map((l) => l.rate));
// The saturation concurrency: the fewest clients that reach 90 % of the best rate.
const saturationClients = levels.find((l) => l.rate >= 0.9 * saturation).clients;
await serving.stop();

// ---- 3. overload: 2x the saturating clients, against the in-flight limit ------------------------------
// The in-flight limit to test: given, or 'auto': the saturating concurrency (more in flight adds only waiting).
const maxInFlight = args['max-in-flight'] === 'auto' ? Math.max(2, saturationClients) : Number(args['max-in-flight']);
serving = await startServer(maxInFlight);
port = serving.port;
await closedLoop(4, 2); // warm-up
const overloadClients = 2 * Math.max(saturationClients, maxInFlight);
log(
  `overload: ${overloadClients} clients, each sending again as soon as it is answered (503 included), for ${overloadSeconds} s ...`,
);
const over = await closedLoop(overloadClients, overloadSeconds);
const acceptedP99 = over.stats.percentile(200, 99);
const refusedP99 = over.stats.percentile(503, 99);
const otherStatuses = [...over.stats.latency.keys()].filter((st) => st !== 200 && st !== 503);
log(
  `overload: 200: ${over.stats.count(200)} (p50 ${fmt(over.stats.percentile(200, 50))}, p99 ${fmt(acceptedP99)}), ` +
    `503: ${over.stats.count(503)} (p50 ${fmt(over.stats.percentile(503, 50))}, p99 ${fmt(refusedP99)}), ` +
    `other: ${otherStatuses.join(',') || 'none'}, connection errors: ${over.stats.errors()}, failed: ${over.stats.failed}`,
);
let openLoopResult = null;
if (args['open-loop']) {
  const seconds = Math.min(10, overloadSeconds);
  log(`open loop: ${(2 * saturation).toFixed(0)} requests/s for ${seconds} s ...`);
  openLoopResult = await openLoop(2 * saturation, seconds);
  log(
    `open loop: 200: ${openLoopResult.stats.count(200)} (p99 ${fmt(openLoopResult.stats.percentile(200, 99))}), 503: ${openLoopResult.stats.count(503)} (p99 ${fmt(openLoopResult.stats.percentile(503, 99))}), connections: ${openLoopResult.connections}`,
  );
}

// ---- 4. soak, on a fresh server with the default in-flight limit (or the one given) --------------------
// (A limit as tight as the saturating concurrency refuses bursts even at half load; the soak is about memory.)
await serving.stop();
const soakLimit = args['max-in-flight'] === 'auto' ? null : maxInFlight;
serving = await startServer(soakLimit);
port = serving.port;
await closedLoop(4, 2); // warm-up
log(`soak: ${(saturation / 2).toFixed(0)} requests/s (open loop) for ${soakSeconds} s ...`);
const rss = [];
const sampler = setInterval(() => {
  const m = memoryOf(serving.pid);
  if (m) rss.push({ t: rss.length, mb: m.rssMb });
}, 1000);
const soak = await openLoop(saturation / 2, soakSeconds);
clearInterval(sampler);
const window = Math.max(1, Math.min(60, Math.floor(rss.length / 4)));
const firstMb = median(rss.slice(0, window).map((m) => m.mb));
const lastMb = median(rss.slice(-window).map((m) => m.mb));
const maxMb = Math.max(...rss.map((m) => m.mb));
log(
  `soak: ${soak.stats.count(200)} answered, p99 ${fmt(soak.stats.percentile(200, 99))}, RSS ${firstMb.toFixed(1)} → ${lastMb.toFixed(1)} MB (max ${maxMb.toFixed(1)}), connection errors: ${soak.stats.errors()}`,
);
const serverExit = await serving.stop();

// ---- report ----------------------------------------------------------------------------------------
const ok = (b) => (b ? 'yes' : '**no**');
const growth = lastMb - firstMb;
const errors = over.stats.errors() + soak.stats.errors() + over.stats.failed + soak.stats.failed;
const command = `node test/bench/soak.mjs --overload-seconds ${overloadSeconds} --soak-seconds ${soakSeconds} --route ${args.route}${route === '/predict/batch' ? ` --batch ${batchSize}` : ''}${args['max-in-flight'] === 'auto' ? '' : ` --max-in-flight ${maxInFlight}`}${args['open-loop'] ? ' --open-loop' : ''}`;
const report = `# Load and soak figures (\`npm run soak\`)

\`${command}\`, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'},
the shipped model, one \`imind serve\` process on 127.0.0.1; the load generator (raw keep-alive sockets, one
request per connection at a time) shares the machine. Request: \`POST ${route}\`${route === '/predict/batch' ? ` with ${batchSize} readings (${Buffer.byteLength(body)} bytes)` : ''}.

| phase | figure |
| --- | --- |
| unloaded (1 client, no in-flight limit) | p50 ${fmt(unloadedP50)}, p99 ${fmt(unloadedP99)} (${unloaded.stats.count(200)} requests) |
| saturation (closed loop, 3 s per level) | ${saturation.toFixed(0)} answered/s; ${levels.map((l) => `${l.clients} clients: ${l.rate.toFixed(0)}/s`).join(', ')}; saturating clients: ${saturationClients} |
| overload: ${overloadClients} clients, ${overloadSeconds} s, \`IMIND_MAX_IN_FLIGHT\`=${maxInFlight}${args['max-in-flight'] === 'auto' ? ' (auto: the saturating concurrency)' : ''} | each client sends again as soon as it is answered, 503s included (no back-off) |
| overload: accepted (200) | ${over.stats.count(200)} (${(over.stats.count(200) / over.elapsed).toFixed(0)}/s), p50 ${fmt(over.stats.percentile(200, 50))}, p99 ${fmt(acceptedP99)} |
| overload: refused (503, Retry-After) | ${over.stats.count(503)} (${(over.stats.count(503) / over.elapsed).toFixed(0)}/s), p50 ${fmt(over.stats.percentile(503, 50))}, p99 ${fmt(refusedP99)} |
| overload: other statuses / connection errors / requests without an answer | ${otherStatuses.map((st) => `${st}: ${over.stats.count(st)}`).join(', ') || 'none'} / ${over.stats.errors()} / ${over.stats.failed} |
${openLoopResult ? `| open loop at 2× the saturation rate (${(2 * saturation).toFixed(0)}/s, ${Math.min(10, overloadSeconds)} s) | 200: ${openLoopResult.stats.count(200)}, p99 ${fmt(openLoopResult.stats.percentile(200, 99))}; 503: ${openLoopResult.stats.count(503)}, p99 ${fmt(openLoopResult.stats.percentile(503, 99))}; ${openLoopResult.connections} connections |\n` : ''}| soak: open loop at half the saturation rate, \`IMIND_MAX_IN_FLIGHT\`=${soakLimit ?? 'default (64)'} | ${(saturation / 2).toFixed(0)}/s for ${soakSeconds} s: ${soak.stats.count(200)} answered, p99 ${fmt(soak.stats.percentile(200, 99))}, other statuses ${
  [...soak.stats.latency.keys()]
    .filter((st) => st !== 200)
    .map((st) => `${st}: ${soak.stats.count(st)}`)
    .join(', ') || 'none'
}, connection errors ${soak.stats.errors()} |
| soak: server RSS | ${firstMb.toFixed(1)} MB (median of the first ${window} s) → ${lastMb.toFixed(1)} MB (median of the last ${window} s), max ${maxMb.toFixed(1)} MB |
| server exit status after SIGTERM | ${serverExit} |

| target | measured | met |
| --- | --- | --- |
| accepted p99 under overload ≤ 3 × unloaded p99 | ${fmt(acceptedP99)} ≤ ${fmt(3 * unloadedP99)} | ${ok(acceptedP99 <= 3 * unloadedP99)} |
| the excess gets 503 fast | 503 p99 ${fmt(refusedP99)} (accepted p99 ${fmt(acceptedP99)}) | ${ok(over.stats.count(503) > 0 && refusedP99 <= acceptedP99)} |
| 0 connection errors | ${errors} | ${ok(errors === 0)} |
| soak RSS growth ≤ 20 MB | ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB over ${soakSeconds} s | ${ok(growth <= 20)} |
`;
writeFileSync(args.out, report);
log(`written ${args.out}`);
process.stdout.write(report);
