import { Command, Option } from 'commander';
import { z } from 'zod';
import { DETECTOR_KINDS } from '../detectors/detector-kinds.js';
import { parseOptions } from './parse-options.js';

const trainOptionsSchema = z.object({
  data: z.array(z.string().min(1)).min(1),
  schema: z.string().default('default'),
  out: z.string().default('model'),
  format: z.enum(['csv', 'json', 'ndjson']).optional(),
  detector: z.enum(DETECTOR_KINDS).default('autoencoder'),
  perMachine: z.boolean().default(false),
  window: z.coerce.number().int().min(1).max(1000).optional(),
  epochs: z.coerce.number().int().min(1).max(10_000).optional(),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  thresholdQuantile: z.coerce.number().min(0.5).max(1).optional(),
  thresholdMargin: z.coerce.number().min(0.1).max(100).optional(),
  quiet: z.boolean().default(false),
});
export type TrainOptions = z.output<typeof trainOptionsSchema>;

export function trainCommand(): Command {
  return new Command('train')
    .description('fit a detector on normal-operation readings and write model.onnx + model.json')
    .requiredOption('-d, --data <files...>', 'training files (CSV, JSON or NDJSON) of normal operation')
    .option(
      '-s, --schema <name|file>',
      'feature schema: a built-in name (default, skab) or a JSON schema file',
      'default',
    )
    .option(
      '-o, --out <dir>',
      'folder to write the model into (with --per-machine: one sub-folder per machine)',
      'model',
    )
    .addOption(
      new Option('--format <format>', 'input format (default: from each file extension)').choices([
        'csv',
        'json',
        'ndjson',
      ]),
    )
    .addOption(new Option('--detector <kind>', 'detector to fit').choices([...DETECTOR_KINDS]).default('autoencoder'))
    .option('--per-machine', 'fit one model per machine_id (rows of each machine in timestamp order)')
    .option('--window <n>', "readings per window (windowed detectors; default: the detector's)")
    .option('--epochs <n>', "training epochs (autoencoders; default: the detector's)")
    .option('--seed <n>', 'random seed (same data + seed = same model bytes)', '1')
    .option(
      '--threshold-quantile <q>',
      "quantile of held-back normal scores for the threshold (default: the detector's)",
    )
    .option('--threshold-margin <m>', "multiplier on that quantile (default: the detector's)")
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Detectors:
  autoencoder         the seed's pointwise dense autoencoder (default for train; the shipped model)
  level-shift         drift-aware level shift of the last W readings (best on SKAB: see README)
  pca                 PCA with Hotelling's T² plus squared prediction error Q
  window-autoencoder  dense autoencoder over the flattened last W readings

The threshold is calibrated on normal data held back from fitting (not a
constant); the scaler is fitted on the training rows and lives in the ONNX graph.

Examples:
  imind simulate --rows 20000 --output normal.csv && imind train --data normal.csv --out my-model
  imind train --data runs/*.csv --schema skab --detector level-shift --out models/pump-7
  imind train --data baseline.csv --per-machine --detector level-shift --out machines/
  imind serve --machines-dir machines/     # serves each machine with its own model`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(trainOptionsSchema, raw);
      const { runTrain } = await import('./train-action.js');
      await runTrain(options);
    });
}
