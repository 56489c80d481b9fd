import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/model/prediction.js';
import type * as WriterModule from '../../src/io/prediction-writer.js';
import type * as SinkModule from '../../src/io/sinks.js';

/**
 * The formatting worker runs compiled code, so this test loads the writers from
 * dist/ (built by `npm test`, as for the e2e tests): the worker writer must
 * write exactly the bytes of the in-process writer, one sink write per batch.
 */
const { createPredictionWriter } = (await import(
  '../../dist/io/prediction-writer.js' as string
)) as typeof WriterModule;
const { MemorySink } = (await import('../../dist/io/sinks.js' as string)) as typeof SinkModule;

const FEATURES = ['temperature', 'vibration', 'pressure', 'power'];

function prediction(row: number): Prediction {
  const errors = [1, 2, 3, 4].map((k) => Math.fround((row % 7) * k + 0.5));
  const total = errors.reduce((a, b) => a + b, 0);
  const score = Math.fround(total / 40);
  return {
    row,
    timestamp: Date.UTC(2024, 0, 15) + Math.floor(row / 3) * 1000,
    machineId: row % 5 === 0 ? 'M,"5"' : `MACHINE_${row % 4}`,
    isAnomaly: score > 0.4,
    score,
    threshold: 0.4,
    confidence: Math.abs(score - 0.4) / Math.max(score, 0.4),
    contributions: Float64Array.from(errors, (e) => e / total),
  };
}

async function render(format: 'csv' | 'ndjson' | 'json', batches: Prediction[][], inWorker: boolean) {
  const sink = new MemorySink();
  const writer = createPredictionWriter(format, sink, FEATURES, { inWorker });
  for (const batch of batches) await writer.write(batch);
  await writer.close();
  return sink;
}

describe('formatting in a worker thread', () => {
  const rows = Array.from({ length: 3500 }, (_, i) => prediction(i + 1));
  // The first batch is large enough for the worker to start (MIN_WORKER_BATCH).
  const batches = [rows.slice(0, 2000), rows.slice(2000, 2001), rows.slice(2001, 3400), rows.slice(3400)];

  it.each(['csv', 'ndjson', 'json'] as const)(
    'writes the same %s bytes as the writer itself, one write per batch',
    async (format) => {
      const local = await render(format, batches, false);
      const remote = await render(format, batches, true);
      expect(remote.text()).toBe(local.text());
      expect(remote.writes).toBe(local.writes);
    },
  );

  it.each(['csv', 'json'] as const)('writes what ends an empty %s output', async (format) => {
    expect((await render(format, [], true)).text()).toBe((await render(format, [], false)).text());
  });

  it('formats small inputs without a worker, with the same bytes', async () => {
    const small = [rows.slice(0, 10), rows.slice(10, 3000)];
    expect((await render('ndjson', small, true)).text()).toBe((await render('ndjson', small, false)).text());
  });
});
