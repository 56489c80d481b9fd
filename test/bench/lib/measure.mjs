// Helpers shared by the benchmark scripts: run a command and time it, sample a
// process's memory from /proc, medians, formatting.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** VmRSS and VmHWM of a process in MB, or null once it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * Runs a command (argv array) once: stdin from a file (or ignored), stdout to a
 * file (or /dev/null). Resolves with wall seconds, exit code, peak RSS (VmHWM,
 * sampled every 50 ms and read just before exit is not possible, so the last
 * sample counts) and stderr.
 */
export function runTimed(argv, { stdinFile = null, stdoutFile = '/dev/null', env = {}, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const stdout = openSync(stdoutFile, 'w');
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: [stdin, stdout, 'pipe'] });
    let stderr = '';
    let peakMb = 0;
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => {
      const m = memoryOf(child.pid);
      if (m && m.hwmMb > peakMb) peakMb = m.hwmMb;
    }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      clearInterval(timer);
      if (typeof stdin === 'number') closeSync(stdin);
      closeSync(stdout);
      resolve({ seconds, code, peakMb, stderr });
    });
  });
}

/** Runs a command `repeats` times; the median of wall seconds, with every run kept. */
export async function timeRepeated(argv, options = {}, repeats = 3) {
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const run = await runTimed(argv, options);
    if (run.code !== 0 && !(options.okCodes ?? [0]).includes(run.code)) {
      throw new Error(`${argv.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}`);
    }
    runs.push(run);
  }
  return {
    seconds: median(runs.map((r) => r.seconds)),
    runs: runs.map((r) => r.seconds),
    peakMb: Math.max(...runs.map((r) => r.peakMb)),
    stderr: runs.at(-1).stderr,
  };
}

/** stdout of a command (trimmed), or null when it fails. */
export function capture(command, args = []) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function commandExists(name) {
  return capture('sh', ['-c', `command -v ${name}`]) !== null;
}

export const fmt = {
  int: (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a'),
  s: (x, digits = 2) => (Number.isFinite(x) ? `${x.toFixed(digits)} s` : 'n/a'),
  ms: (x, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} ms` : 'n/a'),
  mb: (x) => (Number.isFinite(x) ? `${x.toFixed(0)} MB` : 'n/a'),
  x: (x) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : 'n/a'),
  pct: (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : 'n/a'),
};

/** A shell-readable form of an argv array (for the "exact commands" list). */
export function shellLine(argv, { stdinFile, stdoutFile } = {}) {
  const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  let line = argv.map(quote).join(' ');
  if (stdinFile) line += ` < ${quote(stdinFile)}`;
  if (stdoutFile && stdoutFile !== '/dev/null') line += ` > ${quote(stdoutFile)}`;
  else if (stdoutFile === '/dev/null') line += ' > /dev/null';
  return line;
}
