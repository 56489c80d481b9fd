import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';

interface Waiter {
  resolve: (prediction: Prediction) => void;
  reject: (error: unknown) => void;
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

  constructor(
    private readonly score: (readings: Reading[]) => Promise<Prediction[]>,
    private readonly maxRows: number,
  ) {}

  submit(reading: Reading): Promise<Prediction> {
    return new Promise<Prediction>((resolve, reject) => {
      this.readings.push(reading);
      this.waiters.push({ resolve, reject });
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
    const readings = this.readings;
    const waiters = this.waiters;
    this.readings = [];
    this.waiters = [];
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
}
