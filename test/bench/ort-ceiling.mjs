// D', the ceiling for scoring: onnxruntime-node running the shipped model on
// pre-made Float32Arrays (one intra-op thread, as imind uses), at several batch
// sizes. No parsing, no validation, no output.
//
//   node test/bench/ort-ceiling.mjs [models/default] [rows=1000000]
//
// Prints one JSON line per batch size: { batch, calls, rowsPerSecond, usPerCall }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const dir = process.argv[2] ?? 'models/default';
const rows = Number(process.argv[3] ?? 1_000_000);
const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
const width = 4;
const input = new Float32Array(65536 * width);
for (let i = 0; i < input.length; i++) input[i] = [65.5, 1.2, 45, 250][i % width] * (0.95 + Math.random() * 0.1);

async function run(batch, total) {
  const tensor = new ort.Tensor('float32', input.subarray(0, batch * width), [batch, width]);
  const calls = Math.max(1, Math.round(total / batch));
  const started = performance.now();
  for (let c = 0; c < calls; c++) await session.run({ input: tensor });
  const seconds = (performance.now() - started) / 1000;
  return { batch, calls, rowsPerSecond: (calls * batch) / seconds, usPerCall: (seconds / calls) * 1e6 };
}

for (const batch of [1, 1000, 4096, 16384, 65536]) {
  const total = batch === 1 ? Math.min(rows, 50_000) : rows;
  await run(batch, total / 10); // warm-up
  console.log(JSON.stringify(await run(batch, total)));
}
await session.release();
