import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** The message a worker sends its primary once its model is loaded and tested. */
export const WORKER_READY = 'imind:ready';

const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * The primary of `imind serve --workers N`: forks N workers that each load the
 * model and listen on the same port (node:cluster hands out connections).
 * A worker that dies after it was ready is replaced (at most 5 times a
 * minute); one that dies before it was ready stops the whole server with its
 * exit code (6 when the model could not be loaded). SIGTERM/SIGINT are passed
 * to the workers as SIGTERM; a second signal kills them. Resolves with the
 * exit code for the primary.
 */
export function runPrimary(workers: number, logger: Logger, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ready = new Set<number>();
    const restarts: number[] = [];
    let stopping = false;
    let exitCode = 0;

    const fork = (): void => {
      const worker = cluster.fork(env);
      worker.on('message', (message: unknown) => {
        if ((message as { type?: unknown } | null)?.type === WORKER_READY) ready.add(worker.id);
      });
    };
    const alive = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      for (const w of alive()) w.process.kill('SIGTERM');
    };

    cluster.on('exit', (worker, code, signal) => {
      const wasReady = ready.delete(worker.id);
      if (!stopping) {
        const now = Date.now();
        while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
        if (wasReady && restarts.length < MAX_RESTARTS) {
          restarts.push(now);
          logger.warn({ worker_pid: worker.process.pid, code, signal }, 'worker exited; starting another');
          fork();
          return;
        }
        logger.error(
          { worker_pid: worker.process.pid, code, signal },
          wasReady ? 'workers keep exiting; stopping' : 'a worker failed to start; stopping',
        );
        stop(code && code > 0 ? code : 1);
      }
      if (alive().length === 0) resolve(exitCode);
    });

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        for (const w of alive()) w.process.kill('SIGKILL');
        return;
      }
      logger.info({ signal }, 'stopping workers');
      stop(0);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    for (let i = 0; i < workers; i++) fork();
  });
}
