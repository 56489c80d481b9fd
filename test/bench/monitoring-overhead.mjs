// Cost of monitoring in imind serve: POST /predict req/s and server CPU per request with metrics and
// access logs on (the defaults) vs off (--log-level warn --no-metrics), wrk -t1 -c16, alternating rounds.
//   npm run build && node monitoring-overhead.mjs [seconds=4] [rounds=8]
//   LOGTO=file|pipe|null (where the server's stderr goes; pipe = a `cat > /dev/null` reader)
//   CONFIGS=off,on,metricsOnly,logsOnly
// Run from the repository root (or set IMIND_ROOT).
import { spawn, execFileSync } from 'node:child_process';
import * as require_fs from 'node:fs';
import { openSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const root = process.env.IMIND_ROOT ?? process.cwd();
const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'imind-overhead-'));
const body = JSON.stringify({ timestamp: '2024-01-15T10:30:00Z', machine_id: 'MACHINE_001', temperature: 85, vibration: 2.5, pressure: 45, power: 250 });
const script = join(dir, 'post.lua');
writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body}'\n`);
const freePort = () => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => r(port)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function once(label, args) {
  const port = await freePort();
  const logTo = process.env.LOGTO ?? 'file';
  let cat = null;
  let log;
  if (logTo === 'file') log = openSync(join(dir, `${label}.log`), 'w');
  else if (logTo === 'null') log = 'ignore';
  else { cat = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] }); log = cat.stdin; }
  const child = spawn(process.execPath, [join(root, 'bin/imind'), 'serve', '--port', String(port), ...args], { stdio: ['ignore', 'ignore', log] });
  for (;;) { try { const r = await fetch(`http://127.0.0.1:${port}/ready`); await r.arrayBuffer(); if (r.status === 200) break; } catch {} await sleep(20); }
  const url = `http://127.0.0.1:${port}/predict`;
  execFileSync('wrk', ['-t1', '-c16', '-d2s', '-s', script, url]);
  const cpu = () => { const f = require_fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10000; };
  const c0 = cpu();
  const out = execFileSync('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const c1 = cpu();
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const cpuUs = (c1 - c0) / requests;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = /99%\s+(\S+)/.exec(out)[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const exited = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); await exited; if (cat) { cat.stdin.end(); }
  return { rps, p99, non2xx, cpuUs: Number(cpuUs.toFixed(2)) };
}
const configs = {
  off: ['--log-level', 'warn', '--no-metrics'],
  on: [],
  metricsOnly: ['--log-level', 'warn'],
  logsOnly: ['--no-metrics'],
};
const only = (process.env.CONFIGS ?? 'off,on').split(',');
const results = Object.fromEntries(only.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) for (const k of (r % 2 ? [...only].reverse() : only)) { const x = await once(k, configs[k]); results[k].push(x); console.log(r, k, x); }
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const k of only) console.log(k, 'median req/s', Math.round(median(results[k].map((x) => x.rps))), 'median server CPU us/request', median(results[k].map((x) => x.cpuUs)));
if (results.on && results.off) console.log('CPU per request +', ((median(results.on.map((x) => x.cpuUs)) / median(results.off.map((x) => x.cpuUs)) - 1) * 100).toFixed(1) + '%');
if (results.on && results.off) console.log('loss', ((1 - median(results.on.map((x) => x.rps)) / median(results.off.map((x) => x.rps))) * 100).toFixed(1) + '%');
