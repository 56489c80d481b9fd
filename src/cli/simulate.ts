import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ExitCode, ImindError, describeError } from '../errors.js';
import { parseTimestamp } from '../schema/timestamp.js';
import { DEFAULT_CLOCK_SKEW_MS } from '../schema/validation-options.js';
import { parseOptions } from './parse-options.js';

const WHOLE = /^\d+(?:[eE]\d+)?$/;
const DECIMAL = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function whole(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(WHOLE, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int('expected a whole number').min(min).max(max));
}

const simulateOptionsSchema = z.object({
  rows: whole(1, 1_000_000_000),
  machines: whole(1, 10_000),
  seed: whole(0, 0xffffffff),
  interval: z
    .string()
    .trim()
    .regex(DECIMAL, 'expected seconds, e.g. 1 or 0.5')
    .transform((text, ctx) => {
      const ms = Math.round(Number(text) * 1000);
      if (ms < 1 || ms > 366 * 86_400_000 || Math.abs(Number(text) * 1000 - ms) > 1e-6) {
        ctx.addIssue({ code: 'custom', message: 'expected seconds from 0.001 to 31622400, in steps of 0.001' });
        return z.NEVER;
      }
      return ms;
    }),
  start: z
    .string()
    .trim()
    .transform((text, ctx) => {
      const ms = parseTimestamp(text);
      if (Number.isNaN(ms) || ms < 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not an ISO-8601 time from 1970 on (e.g. 2024-01-15T00:00:00Z)`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  fault: z.array(z.string()).default([]),
  labels: z.boolean().default(false),
  format: z.enum(['csv', 'ndjson', 'json']).optional(),
  output: z.string().min(1).optional(),
  quiet: z.boolean().default(false),
});
type SimulateFlags = z.output<typeof simulateOptionsSchema>;

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('generate readings of running machines (normal operation plus injected faults) as CSV, NDJSON or JSON')
    .option('-n, --rows <n>', 'total rows over all machines', '10000')
    .option('-m, --machines <n>', 'machines MACHINE_001.., one reading each per interval', '1')
    .option('--seed <n>', 'random seed (same arguments + seed = same bytes)', '42')
    .option('--interval <seconds>', 'time between readings of a machine', '1')
    .option('--start <iso>', 'time of the first reading (without an offset: UTC)', '2024-01-15T00:00:00Z')
    .option('-f, --fault <spec>', 'inject a fault: TYPE[:SENSOR]@MACHINE:START+DURATION (repeatable)', collect)
    .option('-l, --labels', 'add a "fault" column: empty for normal rows, else the fault name')
    .addOption(
      new Option('--format <format>', 'output format (default: from --output, else csv)').choices([
        'csv',
        'ndjson',
        'json',
      ]),
    )
    .option('-o, --output <file>', 'write to FILE atomically instead of stdout ("-" = stdout)')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Normal operation: load changes every few minutes (0.8..1.2 of nominal) with
smooth ramps; power follows load, pressure and vibration rise with it, and
temperature follows it with a thermal lag of a few minutes. MACHINE_001 runs
at 65.5 °C, 1.2 mm/s, 45 bar, 250 kW at nominal load; others run nearby.

Faults (START = readings of that machine before the fault, DURATION = readings):
  bearing_wear     vibration grows gradually to 3-4x (temperature rises a little)
  overheating      temperature climbs by 15-25 °C, then stays up
  pressure_leak    pressure drifts down by 25-45 %
  power_surge      short power spikes of +50-100 % (only spike rows are labelled)
  stuck_sensor     one sensor (default temperature) repeats its last value
  sensor_dropout   one sensor (default temperature) reads 0

Examples:
  imind simulate --rows 20000 --output normal.csv
  imind simulate --rows 600 --machines 2 --labels \\
      --fault overheating@1:100+80 --fault bearing_wear@2:150+120 --output test.ndjson
  imind simulate --fault stuck_sensor:vibration@1:100+50 --labels | head
  imind simulate --interval 60 --start 2024-03-01T00:00:00Z --format json --rows 100`,
    )
    .action(async (raw: unknown) => {
      const flags = parseOptions(simulateOptionsSchema, raw);
      await runSimulate(flags);
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function runSimulate(flags: SimulateFlags): Promise<void> {
  const sim = await import('../simulate/index.js');
  const options = sim.resolveSimulationOptions({
    rows: flags.rows,
    machines: flags.machines,
    seed: flags.seed,
    intervalMs: flags.interval,
    start: flags.start,
    faults: flags.fault.map((text) => sim.parseFaultSpec(text)),
    labels: flags.labels,
  });
  const toFile = flags.output !== undefined && flags.output !== '-';
  let format = flags.format ?? 'csv';
  if (toFile && flags.format === undefined) {
    const implied = sim.formatFromPath(flags.output!);
    if (implied === null) {
      throw new ImindError('usage', `cannot tell the output format from the name "${flags.output}"`, {
        hint: 'use a .csv, .ndjson, .jsonl or .json file name, or --format csv|ndjson|json',
      });
    }
    format = implied;
  }
  const began = performance.now();
  const rows = toFile
    ? await writeFileAtomically(flags.output!, (sink, signal) => sim.writeSimulation(options, format, sink, signal))
    : await writeStdout((signal) => sim.writeSimulation(options, format, process.stdout, signal));
  if (rows === null || flags.quiet) return;
  const seconds = ((performance.now() - began) / 1000).toFixed(2);
  const machines = `${options.machines} machine${options.machines === 1 ? '' : 's'}`;
  const faults = `${options.faults.length} fault${options.faults.length === 1 ? '' : 's'}`;
  const where = toFile ? flags.output! : 'stdout';
  process.stderr.write(
    `imind: wrote ${rows} ${format} rows (${machines}, ${faults}, seed ${options.seed}) to ${where} in ${seconds} s\n`,
  );
  if (sim.lastTimestamp(options) > Date.now() + DEFAULT_CLOCK_SKEW_MS) {
    process.stderr.write('imind: warning: some timestamps lie in the future; predict and serve reject such readings\n');
  }
}

function isEpipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Writes to stdout; a closed pipe (`| head`) ends the run quietly with status 0 (returns null). */
async function writeStdout(produce: (signal: AbortSignal) => Promise<number>): Promise<number | null> {
  const controller = new AbortController();
  // Stays installed: an EPIPE reported after the last write must not crash the process either.
  process.stdout.on('error', (error: Error) => controller.abort(error));
  try {
    return await produce(controller.signal);
  } catch (error) {
    if (isEpipe(error)) {
      process.exitCode = ExitCode.ok;
      return null;
    }
    if (error instanceof ImindError) throw error;
    throw new ImindError('output_unwritable', `cannot write to stdout: ${describeError(error)}`);
  }
}

/**
 * Writes FILE through a temporary file in the same folder, synced and renamed
 * into place at the end: readers never see a partial file, and SIGINT/SIGTERM
 * remove the temporary file (exit 130/143). Devices and pipes (/dev/null, a
 * FIFO) are written directly.
 */
async function writeFileAtomically(
  path: string,
  produce: (sink: NodeJS.WritableStream, signal: AbortSignal) => Promise<number>,
): Promise<number | null> {
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new ImindError('output_unwritable', `cannot write ${path}: it is a folder`);
  const direct = existing !== null && !existing.isFile();
  const temp = direct
    ? path
    : join(dirname(path), `.imind-tmp-${process.pid}-${randomBytes(4).toString('hex')}-${basename(path)}`);
  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (name: NodeJS.Signals): void => {
    signalled = name;
    controller.abort(new Error(`interrupted by ${name}`));
  };
  // flush: the data is fsync'ed before the file is closed and renamed into place.
  const stream = createWriteStream(temp, direct ? { flags: 'w' } : { flags: 'wx', mode: 0o666, flush: true });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new ImindError('output_unwritable', `cannot write ${path}: ${describeOpenError(error, path)}`);
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const rows = await produce(stream, controller.signal);
    stream.end();
    await once(stream, 'close');
    if (signalled !== null) throw new Error(`interrupted by ${signalled}`);
    if (!direct) await rename(temp, path);
    return rows;
  } catch (error) {
    // Writes still in flight fail once the stream is destroyed; that is expected here.
    stream.on('error', () => undefined);
    stream.destroy();
    if (!direct) await rm(temp, { force: true });
    if (signalled !== null) {
      process.stderr.write(`imind: interrupted; ${path} was not written\n`);
      process.exitCode = signalled === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
      return null;
    }
    if (error instanceof ImindError) throw error;
    throw new ImindError('output_unwritable', `cannot write ${path}: ${describeError(error)}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function describeOpenError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `folder ${dirname(path)} does not exist`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `no permission to create files in ${dirname(path)}`;
  return describeError(error);
}
