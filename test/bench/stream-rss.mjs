// Memory of `imind predict` on a long stream through stdin: a generator pipes
// simulated readings (a block made by `imind simulate`, repeated) into
// `imind predict - --output-format csv > /dev/null` until it has sent `bytes`
// or `seconds` have passed, while VmRSS/VmHWM of the imind process are sampled.
//
//   node test/bench/stream-rss.mjs [format=ndjson] [gigabytes=10] [seconds=200]
//
// Prints a JSON summary (bytes and rows sent, seconds, peak RSS, RSS samples).
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { ROOT, memoryOf } from './lib/measure.mjs';

/** A block of simulated input: header (CSV) and data lines. */
function makeBlock(format) {
  const path = join(tmpdir(), `imind-stream-block.${format}`);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/imind'), 'simulate', '--rows', '100000', '--machines', '4', '--format', format, '--output', path, '--quiet']);
  if (r.status !== 0) throw new Error(`simulate failed: ${r.stderr}`);
  const text = readFileSync(path, 'utf8');
  if (format === 'csv') {
    const nl = text.indexOf('\n');
    return { header: Buffer.from(text.slice(0, nl + 1)), body: Buffer.from(text.slice(nl + 1)) };
  }
  return { header: Buffer.alloc(0), body: Buffer.from(text) };
}

export async function streamRss({ format = 'ndjson', gigabytes = 10, seconds = 200, log = console.error } = {}) {
  const { header, body } = makeBlock(format);
  const rowsPerBlock = body.toString('latin1').split('\n').length - 1;
  const limit = gigabytes * 1e9;
  const argv = [process.execPath, join(ROOT, 'bin/imind'), 'predict', '-', '--format', format, '--output-format', 'csv', '--quiet'];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const started = performance.now();
  const samples = [];
  let peakMb = 0;
  const sampler = setInterval(() => {
    const m = memoryOf(child.pid);
    if (!m) return;
    peakMb = Math.max(peakMb, m.hwmMb);
    samples.push({ t: (performance.now() - started) / 1000, rssMb: m.rssMb, sentGb: sent / 1e9 });
  }, 1000);
  let sent = 0;
  let blocks = 0;
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const stdin = child.stdin;
  stdin.on('error', () => undefined);
  const write = (chunk) => (stdin.write(chunk) ? Promise.resolve() : new Promise((resolve) => stdin.once('drain', resolve)));
  await write(header);
  sent += header.length;
  let lastLog = 0;
  while (sent < limit && (performance.now() - started) / 1000 < seconds) {
    await write(body);
    sent += body.length;
    blocks++;
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed - lastLog > 30) {
      lastLog = elapsed;
      log(`    ${(sent / 1e9).toFixed(2)} GB after ${elapsed.toFixed(0)} s`);
    }
  }
  stdin.end();
  const code = await exited;
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`imind exited ${code}: ${stderr.slice(-2000)}`);
  return {
    format,
    command: `node test/bench/stream-rss.mjs ${format} ${gigabytes} ${seconds}  (generator | ${argv.slice(1).join(' ')} > /dev/null)`,
    bytes: sent,
    rows: blocks * rowsPerBlock,
    seconds: elapsed,
    stoppedByTime: sent < limit,
    peakMb,
    samples,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await streamRss({ format: process.argv[2] ?? 'ndjson', gigabytes: Number(process.argv[3] ?? 10), seconds: Number(process.argv[4] ?? 200) });
  console.log(JSON.stringify({ ...result, samples: result.samples.map((s) => `${s.t.toFixed(0)}s:${s.rssMb.toFixed(0)}MB`).join(' ') }));
}
