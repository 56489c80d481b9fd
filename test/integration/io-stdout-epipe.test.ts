import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The child runs plain node, so it imports the built module: run `npm run build` first (npm test does).
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sinks = resolve(repo, 'dist/io/sinks.js');

/** Writes batches through stdoutSink until the reader goes away, then reports on stderr and exits normally. */
const script = `
import { stdoutSink } from ${JSON.stringify(sinks)};
const sink = stdoutSink();
const line = 'x'.repeat(99) + '\\n';
let batches = 0;
while (!sink.closedEarly && batches < 100000) {
  await sink.write(line.repeat(100));
  batches++;
  if (batches % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
}
process.stderr.write('closedEarly=' + sink.closedEarly + ' batches=' + batches + '\\n');
`;

function run(command: string, args: string[], onStdout?: (child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (onStdout) onStdout(child);
    else child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr, stdout }));
  });
}

describe('stdoutSink when the reader goes away', () => {
  it('needs the build', () => {
    expect(existsSync(sinks), `${sinks} is missing: run npm run build`).toBe(true);
  });

  it('ends quietly with exit 0 when the pipe is closed (EPIPE)', async () => {
    const result = await run(process.execPath, ['--input-type=module', '-e', script], (child) => {
      child.stdout!.once('data', () => child.stdout!.destroy());
    });
    expect(result.stderr).toMatch(/^closedEarly=true batches=\d+\n$/);
    expect(result.code).toBe(0);
  });

  it('ends quietly under `| head -1`', async () => {
    const quoted = script.replaceAll("'", "'\\''");
    const result = await run('bash', [
      '-o',
      'pipefail',
      '-c',
      `'${process.execPath}' --input-type=module -e '${quoted}' | head -1`,
    ]);
    expect(result.stdout).toBe(`${'x'.repeat(99)}\n`);
    expect(result.stderr).toMatch(/^closedEarly=true batches=\d+\n$/);
    expect(result.code).toBe(0); // pipefail: the writer's own status counts too
  });
});
