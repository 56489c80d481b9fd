// What a Node user reaches for first: the csv-parse package, in its fastest
// mode (arrays of strings) and in the convenient one (`columns` + a `cast`
// function that turns numbers into numbers). Read-only: no validation,
// scoring or output.
//
//   node test/bench/csv-parse-baseline.mjs FILE.csv [rows]
//
// Prints one JSON line per mode: { mode, rows, rowsPerSecond }.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const path = process.argv[2];
const limit = Number(process.argv[3] ?? 200_000);

async function measure(mode, options) {
  const started = performance.now();
  let rows = 0;
  const parser = createReadStream(path).pipe(parse({ ...options, to: limit + (options.columns ? 0 : 1) }));
  for await (const record of parser) if (record) rows++;
  const seconds = (performance.now() - started) / 1000;
  return { mode, rows, rowsPerSecond: rows / seconds };
}

console.log(JSON.stringify(await measure('arrays', {})));
console.log(
  JSON.stringify(
    await measure('columns + cast', {
      columns: true,
      cast: (value, context) => (context.column === 'timestamp' || context.column === 'machine_id' ? value : Number(value)),
    }),
  ),
);
