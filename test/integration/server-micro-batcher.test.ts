import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/model/prediction.js';
import type { Reading } from '../../src/schema/reading.js';
import { MicroBatcher } from '../../src/server/micro-batcher.js';

const readingNo = (i: number): Reading => ({ row: i, timestamp: 0, machineId: `M${i}`, values: Float64Array.of(i) });

/** A scorer that records each call's size and echoes each reading's value as its score. */
function recorder() {
  const sizes: number[] = [];
  const score = async (readings: Reading[]): Promise<Prediction[]> => {
    sizes.push(readings.length);
    return readings.map((r) => ({
      row: r.row,
      timestamp: 0,
      machineId: r.machineId,
      isAnomaly: false,
      score: r.values[0]!,
      threshold: 1,
      confidence: 0,
      contributions: new Float64Array(1),
    }));
  };
  return { sizes, score };
}

describe('MicroBatcher', () => {
  it('scores readings submitted in one event-loop turn in one call, each caller getting its own prediction', async () => {
    const { sizes, score } = recorder();
    const batcher = new MicroBatcher(score, 256);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(readingNo(i))));
    expect(sizes).toEqual([10]);
    expect(results.map((p) => p.score)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('flushes as soon as maxRows are waiting', async () => {
    const { sizes, score } = recorder();
    const batcher = new MicroBatcher(score, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(readingNo(i))));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('scores a lone reading without waiting for company, and separate turns separately', async () => {
    const { sizes, score } = recorder();
    const batcher = new MicroBatcher(score, 256);
    expect((await batcher.submit(readingNo(5))).score).toBe(5);
    expect((await batcher.submit(readingNo(6))).score).toBe(6);
    expect(sizes).toEqual([1, 1]);
  });

  it('rejects every waiter of a failed call, and recovers for the next', async () => {
    let fail = true;
    const { score } = recorder();
    const batcher = new MicroBatcher(async (r) => {
      if (fail) throw new Error('scoring failed');
      return score(r);
    }, 256);
    const failed = await Promise.allSettled([batcher.submit(readingNo(1)), batcher.submit(readingNo(2))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await batcher.submit(readingNo(3))).score).toBe(3);
  });

  it('rejects (not hangs) when the model returns too few predictions', async () => {
    const batcher = new MicroBatcher(async () => [], 256);
    await expect(batcher.submit(readingNo(1))).rejects.toThrow(/0 predictions for 1 readings/);
  });
});
