// Reading speed of imind's readers (dist/, so run `npm run build` first) against
// csv-parse and a JSON.parse-per-line baseline, on generated sensor rows.
//
//   node test/bench/csv-parsers.mjs [rows=1000000] [repeats=5]
//
// Prints rows/s per case (median and best of the repeats). "parse only" uses a
// stub validator so that it measures the reader itself; "+ validation" uses the
// real RowValidator of the default schema.
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { readBatches } from '../../dist/io/read-readings.js';
import { RowValidator } from '../../dist/schema/row-validator.js';
import { builtinSchemas } from '../../dist/schema/builtin-schemas.js';
import { defaultValidationOptions } from '../../dist/schema/validation-options.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const repeats = Number(process.argv[3] ?? 5);
const dir = join(tmpdir(), 'imind-bench');
mkdirSync(dir, { recursive: true });

function generate(format) {
  const path = join(dir, `rows-${rows}.${format}`);
  if (existsSync(path)) return path;
  const base = Date.UTC(2024, 0, 15, 10, 30, 0);
  const parts = format === 'csv' ? ['timestamp,machine_id,temperature,vibration,pressure,power\n'] : [];
  if (format === 'json') parts.push('[\n');
  for (let i = 0; i < rows; i++) {
    const ts = `${new Date(base + i * 1000).toISOString().slice(0, 19)}Z`;
    const id = `MACHINE_${String(i % 100).padStart(3, '0')}`;
    const t = (60 + (i % 70) / 10).toFixed(1);
    const v = (1 + (i % 30) / 100).toFixed(2);
    const p = (40 + (i % 10)).toFixed(1);
    const w = (200 + (i % 100)).toFixed(1);
    if (format === 'csv') parts.push(`${ts},${id},${t},${v},${p},${w}\n`);
    else {
      const obj = `{"timestamp":"${ts}","machine_id":"${id}","temperature":${t},"vibration":${v},"pressure":${p},"power":${w}}`;
      parts.push(format === 'json' ? `${i > 0 ? ',\n' : ''}${obj}` : `${obj}\n`);
    }
  }
  if (format === 'json') parts.push('\n]\n');
  writeFileSync(path, parts.join(''));
  return path;
}

const realValidator = () => new RowValidator(builtinSchemas.get('default'), defaultValidationOptions());
const READING = { row: 0, timestamp: 0, machineId: 'x', values: new Float64Array(4) };
/** Accepts every record without looking at it (the reader's own cost). */
const stubValidator = () => {
  const real = realValidator();
  const accept = (row, _record, out) => {
    out.reserve();
    out.commit(row, 0, 'x');
    return null;
  };
  return {
    schema: real.schema,
    columnMap: (h) => real.columnMap(h),
    validateCells: () => READING,
    validateObject: () => READING,
    validateSpans: (row, _text, _bounds, _map, out) => accept(row, null, out),
    validateObjectInto: accept,
  };
};

async function imind(path, format, validator) {
  let n = 0;
  for await (const batch of readBatches(createReadStream(path), { format, validator, batchSize: 4096 })) {
    n += batch.readings.length + batch.errors.length;
  }
  return n;
}

async function csvParse(path) {
  let n = -1; // header
  for await (const record of createReadStream(path).pipe(parse())) if (record) n++;
  return n;
}

/** Read, decode, cut lines with indexOf, JSON.parse each: what an NDJSON reader cannot beat by much. */
async function jsonParsePerLine(path) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    const text = carry + decoder.decode(chunk, { stream: true });
    let p = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', p)) {
      if (nl > p && JSON.parse(text.slice(p, nl))) n++;
      p = nl + 1;
    }
    carry = text.slice(p);
  }
  return n;
}

/** Read and decode only: the floor under every reader. */
async function readOnly(path) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let n = 0;
  for await (const chunk of createReadStream(path)) n += decoder.decode(chunk, { stream: true }).length;
  return n > 0 ? rows : 0;
}

async function measure(name, fn) {
  const rates = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    const n = await fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (n !== rows) throw new Error(`${name}: counted ${n} rows, expected ${rows}`);
    rates.push(n / seconds);
  }
  rates.sort((a, b) => a - b);
  const fmt = (r) => `${(r / 1e6).toFixed(2)}M`;
  console.log(
    `${name.padEnd(40)} median ${fmt(rates[rates.length >> 1])} rows/s   best ${fmt(rates[rates.length - 1])}`,
  );
}

const csv = generate('csv');
const ndjson = generate('ndjson');
const json = generate('json');
console.log(`node ${process.version}, ${rows} rows, ${repeats} repeats`);
await measure('read+decode only (csv file)', () => readOnly(csv));
await measure('imind csv, parse only', () => imind(csv, 'csv', stubValidator()));
await measure('csv-parse (arrays, no cast)', () => csvParse(csv));
await measure('imind csv + validation', () => imind(csv, 'csv', realValidator()));
await measure('JSON.parse per line (ndjson baseline)', () => jsonParsePerLine(ndjson));
await measure('imind ndjson, parse only', () => imind(ndjson, 'ndjson', stubValidator()));
await measure('imind ndjson + validation', () => imind(ndjson, 'ndjson', realValidator()));
await measure('imind json array, parse only', () => imind(json, 'json', stubValidator()));
