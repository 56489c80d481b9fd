import { Command, Option } from 'commander';
import { z } from 'zod';
import { DEFAULT_DETECTOR, DETECTOR_DESCRIPTIONS, DETECTOR_KINDS } from '../detectors/fit-detector.js';
import { parseOptions } from './parse-options.js';

const kOfN = z
  .string()
  .regex(/^\d+\/\d+$/, 'use K/N, e.g. 3/5')
  .transform((s) => s.split('/').map(Number) as [number, number])
  .refine(([k, n]) => k >= 1 && n >= 1 && k <= n && n <= 1000, 'need 1 <= K <= N <= 1000');

const evaluateOptionsSchema = z
  .object({
    protocol: z.enum(['skab']).default('skab'),
    data: z.string().min(1),
    detector: z.enum(DETECTOR_KINDS).default(DEFAULT_DETECTOR),
    allDetectors: z.boolean().default(false),
    schema: z.string().default('skab'),
    fitRows: z.coerce.number().int().min(20).max(10_000_000).default(400),
    window: z.coerce.number().int().min(1).max(1000).optional(),
    thresholdQuantile: z.coerce.number().min(0.5).max(1).optional(),
    thresholdMargin: z.coerce.number().min(0.01).max(1000).optional(),
    ewmaAlpha: z.coerce.number().gt(0).max(1).optional(),
    kOfN: kOfN.optional(),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    json: z.boolean().default(false),
    markdown: z.boolean().default(false),
    predictionsOut: z.string().min(1).optional(),
    quiet: z.boolean().default(false),
  })
  .refine((o) => !(o.allDetectors && o.predictionsOut), {
    message: '--predictions-out needs a single detector',
    path: ['predictionsOut'],
  });
export type EvaluateOptions = z.output<typeof evaluateOptionsSchema>;

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('measure detection quality on labelled runs with a benchmark protocol (SKAB)')
    .requiredOption('-d, --data <dir>', 'folder with labelled CSV runs (searched recursively)')
    .addOption(new Option('--protocol <name>', 'evaluation protocol').choices(['skab']).default('skab'))
    .addOption(
      new Option('--detector <name>', 'detector to fit per run').choices([...DETECTOR_KINDS]).default(DEFAULT_DETECTOR),
    )
    .option('--all-detectors', 'evaluate every detector (one row each)')
    .option('-s, --schema <name|file>', 'feature schema of the runs', 'skab')
    .option('--fit-rows <n>', 'leading rows of each run used for fitting (scaler, model, threshold)', '400')
    .option('--window <n>', "readings per window (default: the detector's)")
    .option('--threshold-quantile <q>', "quantile of calibration scores for the threshold (default: the detector's)")
    .option('--threshold-margin <m>', "multiplier on that quantile (default: the detector's)")
    .option('--ewma-alpha <a>', 'smooth scores per machine with an EWMA of this weight (1 = off)')
    .option('--k-of-n <K/N>', 'alarm only when K of the last N smoothed scores exceed the threshold, e.g. 3/5')
    .option('--seed <n>', 'random seed of the autoencoders')
    .option('--json', 'print one JSON object (last line of stdout) instead of a table')
    .option('--markdown', 'print a markdown table')
    .option('--predictions-out <file>', 'write file,row,timestamp,score,is_anomaly for every scored row')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Protocol skab (the published SKAB leaderboard's): each CSV under --data is one
machine run; its first --fit-rows rows are its only fitting data, every later
row is scored through Model + onnxruntime (as predict does) and compared with
its "anomaly" label. Files named anomaly-free.csv and files without an
"anomaly" column are skipped. Metrics are pooled over all scored rows:
F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN), MAR = FN / (FN + TP),
and SKAB's NAB scores (standard, LowFP, LowFN; 60 s window right of each
changepoint). In --json, far and mar are fractions and NAB is on 0..100.
--ewma-alpha and --k-of-n together replace the detector's alarm rule
(level-shift's default: 3 of 5; the others: score > threshold).

Detectors: ${DETECTOR_KINDS.map((k) => `\n  ${k.padEnd(19)} ${DETECTOR_DESCRIPTIONS[k]}`).join('')}

Examples:
  imind evaluate --data ../shared/data/skab
  imind evaluate --data ../shared/data/skab/valve1 --detector pca --json
  imind evaluate --data runs/ --all-detectors --markdown > results.md
  imind evaluate --data runs/ --predictions-out scored.csv --k-of-n 3/5`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(evaluateOptionsSchema, raw);
      const { runEvaluate } = await import('./evaluate-action.js');
      process.exitCode = await runEvaluate(options);
    });
}
