import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readBatches } from '../../src/io/read-readings.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { RowValidator } from '../../src/schema/row-validator.js';
import { defaultValidationOptions } from '../../src/schema/validation-options.js';

// The shared data folder sits beside the repository (../shared), as in CI.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const file = join(repo, '..', 'shared', 'data', 'skab', 'valve1', '0.csv');
const present = existsSync(file);
if (!present && process.env.CI === 'true') throw new Error(`SKAB data missing at ${file} (required in CI)`);

describe.skipIf(!present)(
  `SKAB valve1/0.csv with the skab schema${present ? '' : ` (skipped: ${file} not found)`}`,
  () => {
    it('reads every row of the real file, ;-separated, with its column names', async () => {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      const validator = new RowValidator(builtinSchemas.get('skab')!, defaultValidationOptions());
      const readings = [];
      const errors = [];
      const stream = createReadStream(file, { highWaterMark: 4096 });
      for await (const batch of readBatches(stream, { format: 'auto', validator, batchSize: 256 })) {
        expect(batch.readings.length).toBeLessThanOrEqual(256);
        readings.push(...batch.readings);
        errors.push(...batch.errors);
      }
      expect(errors).toEqual([]);
      expect(readings).toHaveLength(lines.length - 1);
      expect(readings.map((r) => r.row)).toEqual(readings.map((_, i) => i + 1));

      // First data line: 2020-03-09 10:14:33;0.0265878;0.0401113;1.3302;0.054711;79.3366;26.0199;233.062;32.0;...
      const header = lines[0]!.split(';');
      const first = lines[1]!.split(';');
      const expected = [
        'Accelerometer1RMS',
        'Accelerometer2RMS',
        'Current',
        'Pressure',
        'Temperature',
        'Thermocouple',
        'Voltage',
        'Volume Flow RateRMS',
      ].map((name) => Number(first[header.indexOf(name)]));
      expect(Array.from(readings[0]!.values)).toEqual(expected);
      expect(readings[0]!.machineId).toBe('skab-rig');
      expect(readings[0]!.timestamp).toBe(Date.parse(`${first[0]!.replace(' ', 'T')}Z`));
    });
  },
);
