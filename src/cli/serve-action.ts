import cluster from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ExitCode, ImindError, describeError, type ExitCodeValue } from '../errors.js';
import { Model } from '../model/model.js';
import { buildApp } from '../server/app.js';
import { WORKER_READY, runPrimary } from '../server/cluster.js';
import { createServerLogger } from '../server/logging-setup.js';
import { serveClusterMetrics } from '../server/metrics-cluster.js';
import { monitoringFromSettings } from '../server/metrics-setup.js';
import { startServer, type RunningServer } from '../server/server.js';
import { keysFilePath } from '../keys/key-store.js';
import { readKeyFile } from '../keys/key-file.js';
import { loadServerKeys } from '../server/auth-startup.js';
import { serveLimitsFromEnv } from '../server/limits-settings.js';
import type { ServeOptions } from './serve.js';

/** Set by the primary for its workers: the one port they all listen on. */
const PORT_ENV = 'IMIND_SERVE_PORT';

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
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
  monitoringFromSettings(options, false); // a usage error before anything starts
  serveLimitsFromEnv(process.env); // likewise
  const logger = createServerLogger({ level: options.logLevel, format: options.logFormat });
  if (options.workers > 1 && cluster.isPrimary) {
    await readKeyFile(keysFilePath(options.keysFile, process.env)); // an unreadable keys file stops the server once, not per worker
    // Workers asked for port 0 would each get a different port: choose one for all.
    const port = options.port === 0 ? await freePort(options.host) : options.port;
    logger.info({ workers: options.workers, host: options.host, port }, `starting ${options.workers} workers`);
    logger.warn(
      'each worker keeps its own machine models and windows: POST /machines/{machine_id}/baseline is refused (409); fit machines with imind train --per-machine and serve them with --machines-dir',
    );
    const stopMetrics = options.metrics ? serveClusterMetrics() : null;
    try {
      return (await runPrimary(options.workers, logger, { [PORT_ENV]: String(port) })) as ExitCodeValue;
    } finally {
      stopMetrics?.();
    }
  }
  // Buffered log lines go out before a fatal message on stderr.
  if (!cluster.isWorker) return serveOne(options, logger, false).finally(() => logger.flush());
  try {
    return await serveOne(options, logger, true);
  } finally {
    logger.flush();
    // The IPC channel to the primary would keep a finished worker alive
    // (worker.disconnect, unlike process.disconnect, keeps the exit status).
    cluster.worker?.disconnect();
  }
}

async function serveOne(options: ServeOptions, logger: Logger, inWorker: boolean): Promise<ExitCodeValue> {
  const signal = untilSignal(inWorker);
  const limits = serveLimitsFromEnv(process.env);
  const keys = await loadServerKeys(keysFilePath(options.keysFile, process.env), logger);
  const model = Model.load(options.model);
  const app = buildApp({
    model,
    settings: {
      clockSkewMs: options.clockSkew * 1000,
      bodyLimitBytes: options.bodyLimit,
      machinesDir: options.machinesDir ?? null,
      workers: options.workers,
      hardening: limits.hardening,
    },
    keys: keys.verifier,
    logger,
    monitoring: monitoringFromSettings(options, inWorker),
  });
  const port = inWorker && process.env[PORT_ENV] ? Number(process.env[PORT_ENV]) : options.port;
  let running: RunningServer;
  try {
    running = await startServer(app, { host: options.host, port, ...limits.listen });
  } catch (error) {
    keys.stop();
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImindError(
      'usage',
      `cannot listen on ${options.host}:${port}: ${code === 'EADDRINUSE' ? 'the address is in use' : describeError(error)}`,
      {
        hint: code === 'EADDRINUSE' ? 'stop the other server or pick another --port' : undefined,
      },
    );
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
    keys.stop();
    await running.shutdown();
    if (outcome instanceof ImindError) throw outcome;
    throw new ImindError('model_unusable', `the model cannot be used: ${describeError(outcome)}`);
  }
  if (outcome === 'ready' && inWorker) {
    if (app.state.service?.model.stateful) {
      logger.warn(
        'this model keeps per-machine state (windows or alarm rules) and each worker keeps its own: use --workers 1, or send each machine to one worker',
      );
    }
    process.send?.({ type: WORKER_READY });
  }
  const received = await signal;
  logger.info({ signal: received }, 'shutting down: finishing in-flight requests');
  keys.stop();
  await running.shutdown();
  logger.info('stopped');
  return ExitCode.ok;
}
