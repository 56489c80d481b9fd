import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startCli } from '../helpers/run-cli.js';

export interface Serving {
  child: ChildProcess;
  stderr: () => string;
  /** The URL of the first "listening on" log line. */
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr matches `pattern`. */
  logged: (pattern: RegExp) => Promise<void>;
}

/** Starts `imind serve --port 0 ...` (the built CLI) and follows its log. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, started?: Set<ChildProcess>): Serving {
  const child = startCli(['serve', '--port', '0', ...args], { env });
  started?.add(child);
  let err = '';
  const waiters: (() => void)[] = [];
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    for (const w of [...waiters]) w();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logged = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(err)) {
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        }
      };
      waiters.push(check);
      check();
      void exit.then(() =>
        pattern.test(err) ? resolve() : reject(new Error(`exited before logging ${pattern}:\n${err}`)),
      );
    });
  const url = logged(/"msg":"listening on (http:\/\/[^"]+)"/).then(
    () => /"msg":"listening on (http:\/\/[^"]+)"/.exec(err)![1]!,
  );
  url.catch(() => undefined);
  return { child, stderr: () => err, url, exit, logged };
}

export async function untilReady(url: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.status === 200) return;
    await res?.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** VmHWM (peak resident memory) of a live process in MiB, or null once it is gone (Linux only). */
export function peakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/** Runs the built CLI to completion without blocking the test process (so tests can run side by side). */
export function runCliAsync(
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, { env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
