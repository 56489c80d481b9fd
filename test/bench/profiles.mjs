// CPU profiles (node --cpu-prof) of the runs behind targets that are not met,
// summarised as self time per function for each thread.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runTimed, shellLine } from './lib/measure.mjs';
import { summariseProfile } from './profile-summary.mjs';

/** Profiles of every thread a command left in `dir`, the largest (main thread) first. */
function summaries(dir, top) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)
    .map((path) => ({ path, ...summariseProfile(path, top) }));
}

/** Profiles `imind predict` on a file (main thread and formatting worker). */
export async function profilePredict({ input, output, dir, top = 14, oneCore = false }) {
  const profDir = join(dir, `prof-predict-${Date.now()}`);
  mkdirSync(profDir, { recursive: true });
  const argv = [...(oneCore ? ['taskset', '-c', '0'] : []), process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, join(ROOT, 'bin/imind'), 'predict', input, '--output', output, '--quiet'];
  const run = await runTimed(argv);
  return { command: shellLine(argv), seconds: run.seconds, threads: summaries(profDir, top) };
}

/** Profiles `imind serve` while wrk sends `requestsLua` to `path` for `seconds`. */
export async function profileServe({ dir, port, path, lua, connections = 8, seconds = 8, top = 14 }) {
  const profDir = join(dir, `prof-serve-${Date.now()}`);
  mkdirSync(profDir, { recursive: true });
  const argv = [process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, join(ROOT, 'bin/imind'), 'serve', '--port', String(port), '--log-level', 'warn'];
  const server = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const wrkArgs = [`-t2`, `-c${connections}`, `-d${seconds}s`, '-s', lua, `http://127.0.0.1:${port}${path}`];
  await new Promise((resolve) => spawn('wrk', wrkArgs, { stdio: 'ignore' }).on('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  return { command: `${shellLine(argv)} & wrk ${wrkArgs.join(' ')}; kill -TERM %1`, threads: summaries(profDir, top) };
}
