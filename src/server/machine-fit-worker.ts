import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { TrainingData } from '../detectors/detector.js';
import { fitDetector, type DetectorKind } from '../detectors/fit-detector.js';
import { ImindError, describeError } from '../errors.js';
import type { ModelMetadata } from '../model/model-metadata.js';

/** What MachineFitter sends its worker thread. */
export interface FitRequest {
  kind: DetectorKind;
  data: TrainingData;
}

export type FitReply =
  { ok: true; onnxBytes: Uint8Array; metadata: ModelMetadata } | { ok: false; code: string | null; message: string };

/** The worker thread's body: one fit, one reply, then the thread ends. */
function main(): void {
  const { kind, data } = workerData as FitRequest;
  let reply: FitReply;
  try {
    const fitted = fitDetector(kind, data);
    reply = { ok: true, onnxBytes: fitted.onnxBytes, metadata: fitted.metadata };
  } catch (error) {
    reply = { ok: false, code: error instanceof ImindError ? error.code : null, message: describeError(error) };
  }
  parentPort?.postMessage(reply);
}

if (!isMainThread) main();
