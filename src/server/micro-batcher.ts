import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';
import { deadlineExceeded } from './limits-gate.js';

interface Waiter {
  resolve: (prediction: Prediction) => void;
  reject: (error: unknown) => void;
  /** performance.now() after which the request no longer wants the answer. */
  deadline: number;
}

/**
 * Scores single readings from concurrent requests together: readings submitted
 * in the same event-loop turn go to the model in one call (flushed by
 * setImmediate, so a lone request waits for nothing but the end of the turn),
 * or as soon as `maxRows` are waiting. Order within a call is submission order.
 */
export class MicroBatcher {
  private readings: Reading[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  /** Model calls made and rows scored, for tests and metrics. */
  calls = 0;
  rows = 0;
  /** Readings dropped unscored because their request's deadline passed while they waited. */
  expired = 0;

  constructor(
    private readonly score: (readings: Reading[]) => Promise<Prediction[]>,
    private readonly maxRows: number,
  ) {}

  /** `deadline` (performance.now() ms): past it, the reading is dropped unscored and the promise rejects with 504. */
  submit(reading: Reading, deadline = Infinity): Promise<Prediction> {
    return new Promise<Prediction>((resolve, reject) => {
      this.readings.push(reading);
      this.waiters.push({ resolve, reject, deadline });
      if (this.readings.length >= this.maxRows) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.readings.length === 0) return;
    let readings = this.readings;
    let waiters = this.waiters;
    this.readings = [];
    this.waiters = [];
    ({ readings, waiters } = this.dropExpired(readings, waiters));
    if (readings.length === 0) return;
    this.calls++;
    this.rows += readings.length;
    this.score(readings).then(
      (predictions) => {
        for (let i = 0; i < waiters.length; i++) {
          const p = predictions[i];
          if (p) waiters[i]!.resolve(p);
          else
            waiters[i]!.reject(
              new Error(`the model returned ${predictions.length} predictions for ${readings.length} readings`),
            );
        }
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  };

  /** Rejects (504) the waiters whose deadline passed while they were queued; their readings are not scored. */
  private dropExpired(readings: Reading[], waiters: Waiter[]): { readings: Reading[]; waiters: Waiter[] } {
    const now = performance.now();
    let expired = 0;
    for (const w of waiters) if (w.deadline < now) expired++;
    if (expired === 0) return { readings, waiters };
    this.expired += expired;
    const keptReadings: Reading[] = [];
    const keptWaiters: Waiter[] = [];
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (w.deadline < now) w.reject(deadlineExceeded());
      else {
        keptReadings.push(readings[i]!);
        keptWaiters.push(w);
      }
    }
    return { readings: keptReadings, waiters: keptWaiters };
  }
}
