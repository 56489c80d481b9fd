import cluster from 'node:cluster';
import { pino, type Logger } from 'pino';
import { ExitCode, ImindError, describeError, type ExitCodeValue } from '../errors.js';
import { Model } from '../model/model.js';
import { buildApp } from '../server/app.js';
import { WORKER_READY, runPrimary } from '../server/cluster.js';
import { startServer, type RunningServer } from '../server/server.js';
import type { ServeOptions } from './serve.js';

function createLogger(level: ServeOptions['logLevel']): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
}

/** Resolves on the first SIGTERM/SIGINT; a second one exits at once (130/143). */
function untilSignal(inWorker: boolean): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) process.exit(signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    // In a worker, Ctrl-C reaches the primary too, which sends SIGTERM: ignore SIGINT here.
    process.on('SIGINT', inWorker ? () => undefined : handler);
  });
}

/**
 * `imind serve`: listens at once, loads the model, turns ready; stops
 * gracefully on SIGTERM/SIGINT (exit 0). A model that cannot be loaded at
 * start stops the server with exit status 6 (ImindError model_unusable).
 */
export async function runServe(options: ServeOptions): Promise<ExitCodeValue> {
  const logger = createLogger(options.logLevel);
  if (options.workers > 1 && cluster.isPrimary) {
    logger.info({ workers: options.workers, host: options.host, port: options.port }, `starting ${options.workers} workers`);
    return (await runPrimary(options.workers, logger)) as ExitCodeValue;
  }
  const inWorker = cluster.isWorker;
  const signal = untilSignal(inWorker);
  const model = Model.load(options.model);
  const app = buildApp({
    model,
    settings: { clockSkewMs: options.clockSkew * 1000, bodyLimitBytes: options.bodyLimit },
    logger,
  });
  let running: RunningServer;
  try {
    running = await startServer(app, { host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImindError('usage', `cannot listen on ${options.host}:${options.port}: ${code === 'EADDRINUSE' ? 'the address is in use' : describeError(error)}`, {
      hint: code === 'EADDRINUSE' ? 'stop the other server or pick another --port' : undefined,
    });
  }
  logger.info({ url: running.url }, `listening on ${running.url}`);
  const outcome = await Promise.race([
    app.state.settled.then(
      () => 'ready' as const,
      (error: unknown) => error,
    ),
    signal,
  ]);
  if (outcome !== 'ready' && typeof outcome !== 'string') {
    await running.shutdown();
    if (outcome instanceof ImindError) throw outcome;
    throw new ImindError('model_unusable', `the model cannot be used: ${describeError(outcome)}`);
  }
  if (outcome === 'ready' && inWorker) process.send?.({ type: WORKER_READY });
  const received = await signal;
  logger.info({ signal: received }, 'shutting down: finishing in-flight requests');
  await running.shutdown();
  logger.info('stopped');
  return ExitCode.ok;
}
