// Writing speed of the prediction writers (dist/, so run `npm run build` first), into memory.
//
//   node test/bench/prediction-writers.mjs [rows=1000000] [repeats=5]
import { createPredictionWriter } from '../../dist/io/prediction-writer.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 5);
const features = ['temperature', 'vibration', 'pressure', 'power'];
const batchSize = 4096;

const base = Date.UTC(2024, 0, 15, 10, 30, 0);
const batch = Array.from({ length: batchSize }, (_, i) => {
  const c = [Math.random(), Math.random(), Math.random(), Math.random()];
  const sum = c.reduce((a, b) => a + b, 0);
  return {
    row: i + 1,
    timestamp: base + i * 1000,
    machineId: `MACHINE_${String(i % 100).padStart(3, '0')}`,
    isAnomaly: i % 50 === 0,
    score: Math.random() * 0.3,
    threshold: 0.2,
    confidence: Math.random(),
    contributions: Float64Array.from(c, (x) => x / sum),
  };
});

/** Counts the bytes instead of keeping them. */
class CountingSink {
  closedEarly = false;
  chars = 0;
  async write(text) {
    this.chars += Buffer.byteLength(text); // flattens the string, as a real sink does
  }
}

console.log(`node ${process.version}, ${rows} predictions, batches of ${batchSize}, ${repeats} repeats`);
for (const format of ['csv', 'ndjson', 'json']) {
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const sink = new CountingSink();
    const writer = createPredictionWriter(format, sink, features);
    const start = process.hrtime.bigint();
    for (let done = 0; done < rows; done += batchSize) {
      // Shift timestamps so that every batch formats new ones.
      for (const p of batch) p.timestamp += batchSize * 1000;
      await writer.write(batch);
    }
    await writer.close();
    rates.push(rows / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const fmt = (x) => `${(x / 1e6).toFixed(2)}M`;
  console.log(
    `${format.padEnd(8)} median ${fmt(rates[rates.length >> 1])} rows/s   best ${fmt(rates[rates.length - 1])}`,
  );
}
