import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../errors.js';
import type { FormatWorkerSetup, FromFormatWorker, ToFormatWorker } from './format-worker-protocol.js';
import { createPredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';

/**
 * The formatting worker (see WorkerPredictionWriter): turns batches of
 * prediction columns into output bytes with the ordinary writer, and posts the
 * bytes back in order. It never touches the output itself.
 */

/** Keeps what the writer writes until it is posted back. */
class CapturingSink implements Sink {
  readonly closedEarly = false;
  private parts: Uint8Array[] = [];

  async write(text: string | Uint8Array): Promise<void> {
    if (text.length > 0) this.parts.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }

  /** Everything written since the last take, in a buffer of its own (it is transferred, not copied). */
  take(): { buffer: ArrayBuffer; length: number } {
    const parts = this.parts;
    this.parts = [];
    const only = parts.length === 1 ? parts[0]! : null;
    // A writer's batch is one ByteBuilder buffer (>= 64 KiB, never Node's shared pool): it can move as it is.
    if (
      only !== null &&
      only.byteOffset === 0 &&
      only.buffer instanceof ArrayBuffer &&
      only.buffer.byteLength >= 64 * 1024
    ) {
      return { buffer: only.buffer, length: only.length };
    }
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    return { buffer: joined.buffer, length: joined.length };
  }
}

const setup = workerData as FormatWorkerSetup;
const sink = new CapturingSink();
const writer = createPredictionWriter(setup.format, sink, setup.featureNames);
const ids: string[] = [];
const port = parentPort!;
let queue = Promise.resolve();

async function handle(message: ToFormatWorker): Promise<FromFormatWorker> {
  if (message.type === 'close') {
    await writer.close();
  } else {
    for (const id of message.newIds) ids.push(id);
    const codes = message.idCodes;
    const machineIds = new Array<string>(codes.length);
    for (let i = 0; i < codes.length; i++) machineIds[i] = ids[codes[i]!]!;
    await writer.writeColumns({ ...message.columns, machineIds });
  }
  return { type: 'bytes', ...sink.take() };
}

port.on('message', (message: ToFormatWorker) => {
  // One message at a time, in order (a writer keeps state from batch to batch).
  queue = queue.then(async () => {
    let answer: FromFormatWorker;
    try {
      answer = await handle(message);
    } catch (error) {
      answer = { type: 'failed', message: describeError(error) };
    }
    port.postMessage(answer, answer.type === 'bytes' ? [answer.buffer] : []);
    // After the last answer the worker ends by itself (so that, e.g., --cpu-prof can write its profile).
    if (message.type === 'close') port.close();
  });
});
