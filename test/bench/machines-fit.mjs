// Fit time of POST /machines/{id}/baseline over HTTP, and how long /health waits meanwhile
// (the event loop stall). Run from the repo root after `npm run build`:
//   node test/bench/machines-fit.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const machinesDir = mkdtempSync(join(tmpdir(), 'imind-bench-machines-'));
const child = spawn(process.execPath, ['bin/imind', 'serve', '--port', '0', '--machines-dir', machinesDir], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let err = '';
const base = await new Promise((resolve, reject) => {
  child.stderr.on('data', (c) => {
    err += c;
    const m = /listening on (http:\/\/[^"\s]+)/.exec(err);
    if (m) resolve(m[1]);
  });
  child.once('exit', () => reject(new Error(err)));
});
while ((await fetch(`${base}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 50));

let seed = 1;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
const readings = (n, id) =>
  Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    machine_id: id,
    temperature: 70 + rnd(),
    vibration: 1.5 + 0.05 * rnd(),
    pressure: 45 + rnd(),
    power: 250 + 3 * rnd(),
  }));

async function fit(n, detector) {
  const id = `M-${detector}-${n}`;
  const body = JSON.stringify({ readings: readings(n, id), detector });
  let maxHealth = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = performance.now();
      await fetch(`${base}/health`);
      maxHealth = Math.max(maxHealth, performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const t = performance.now();
  const res = await fetch(`${base}/machines/${id}/baseline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const wall = performance.now() - t;
  const answer = await res.json();
  probing = false;
  await probe;
  if (res.status !== 200) throw new Error(JSON.stringify(answer));
  console.log(
    `${detector.padEnd(18)} ${String(n).padStart(6)} readings  body ${(body.length / 1e6).toFixed(1).padStart(5)} MB  ` +
      `request ${wall.toFixed(0).padStart(6)} ms  server fit_ms ${answer.fit_ms.toFixed(0).padStart(6)}  ` +
      `slowest /health meanwhile ${maxHealth.toFixed(0).padStart(5)} ms`,
  );
}

try {
  for (const n of [400, 10_000, 100_000]) for (const d of ['level-shift', 'pca']) await fit(n, d);
  for (const n of [400, 10_000]) for (const d of ['autoencoder', 'window-autoencoder']) await fit(n, d);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(machinesDir, { recursive: true, force: true });
}
