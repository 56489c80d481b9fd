import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/run-cli.js';
import { peakRssMiB } from './hardening-helpers.js';

/**
 * Backpressure end to end, at CI size: 200 MB of NDJSON through
 * `imind predict - --output-format csv` into a consumer that first stops
 * reading, then reads. While stdout is not read, the CLI must stop reading
 * stdin (the writer stalls after a bounded amount); over the whole run the
 * peak resident memory (VmHWM) stays far below the input's size. A reader that
 * buffered its input, or a writer that ignored stdout's backpressure, fails
 * one of the two. (The 10 GB figure is measured in the bench suite.)
 */
describe.skipIf(platform() !== 'linux')('memory under a 200 MB stream into a slow consumer', () => {
  it('reads stdin only as fast as stdout is drained and keeps RSS bounded', async () => {
    const TOTAL = 200 * 1024 * 1024;
    const child = startCli(['predict', '-', '--format', 'ndjson', '--output-format', 'csv', '-q']);
    let peak = 0;
    const sampler = setInterval(() => {
      const m = peakRssMiB(child.pid!);
      if (m !== null) peak = Math.max(peak, m);
    }, 50);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // The writer: 200 MB of readings, honouring stdin's backpressure.
    let written = 0;
    let rows = 0;
    const writer = (async () => {
      let chunk = '';
      while (written < TOTAL) {
        for (let k = 0; k < 2000; k++, rows++) {
          chunk += `{"timestamp":"2024-01-15T10:${String(rows % 60).padStart(2, '0')}:00Z","machine_id":"M${rows % 50}","temperature":${60 + (rows % 100) / 10},"vibration":1.2,"pressure":45,"power":250}\n`;
        }
        written += chunk.length;
        const more = child.stdin.write(chunk);
        chunk = '';
        if (!more) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })();

    // The consumer reads the first MiB (so the run is under way), then stops reading: the writer must
    // stall once the buffers between are full, well before the input ends.
    let lines = 0;
    let got = 0;
    const count = (c: Buffer): void => {
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
      got += c.length;
    };
    await new Promise<void>((resolve) => {
      const first = (c: Buffer): void => {
        count(c);
        if (got < 1024 * 1024) return;
        child.stdout.off('data', first);
        child.stdout.pause();
        resolve();
      };
      child.stdout.on('data', first);
    });
    const writtenAtPause = written;
    let last = -1;
    for (let i = 0; i < 60 && written !== last; i++) {
      last = written;
      await new Promise((r) => setTimeout(r, 500));
    }
    const writtenWhileStalled = written - writtenAtPause;
    expect(written).toBeLessThan(TOTAL);
    expect(writtenWhileStalled).toBeLessThan(64 * 1024 * 1024);

    // Then it reads, a little slowly.
    let since = 0;
    child.stdout.on('data', (c: Buffer) => {
      count(c);
      since += c.length;
      if (since > 1024 * 1024) {
        since = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 2);
      }
    });
    child.stdout.resume();
    await writer;
    const code = await exited;
    clearInterval(sampler);

    expect(code, stderr).toBe(0);
    expect(lines).toBe(rows + 1); // every row, plus the CSV header
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(300);
  }, 120_000);
});
