// D', the ceiling for reading: the least a Node program does with the file --
// read it, cut lines, split fields (CSV) or JSON.parse each line (NDJSON), and
// sum the numbers. No validation, no scoring, no output. Two variants:
//
// - readline: lines from node:readline (`for await (const line of rl)`), the
//   loop most people write (the "naive loop", ~714k rows/s);
// - chunks: split each read chunk with String.split, the fastest plain loop.
//
//   node test/bench/naive-loop.mjs FILE.csv|FILE.ndjson [readline|chunks]
//
// Prints one JSON line: { variant, rows, seconds, rowsPerSecond }.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const path = process.argv[2];
const variant = process.argv[3] ?? 'readline';
const ndjson = path.endsWith('.ndjson');
const started = performance.now();
let rows = 0;
let sum = 0;
let header = !ndjson;

function line(text) {
  if (header) {
    header = false;
    return;
  }
  if (ndjson) {
    const o = JSON.parse(text);
    sum += o.temperature + o.vibration + o.pressure + o.power;
  } else {
    const cells = text.split(',');
    sum += Number(cells[2]) + Number(cells[3]) + Number(cells[4]) + Number(cells[5]);
  }
  rows++;
}

const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
if (variant === 'readline') {
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) line(text);
} else {
  let carry = '';
  for await (const chunk of stream) {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop();
    for (const text of lines) line(text);
  }
}
const seconds = (performance.now() - started) / 1000;
if (!(sum > 0)) throw new Error('nothing summed');
console.log(JSON.stringify({ variant, rows, seconds, rowsPerSecond: rows / seconds }));
