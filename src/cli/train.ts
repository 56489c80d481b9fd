import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseOptions } from './parse-options.js';

const trainOptionsSchema = z.object({
  data: z.array(z.string().min(1)).min(1),
  schema: z.string().default('default'),
  out: z.string().default('model'),
  format: z.enum(['csv', 'json', 'ndjson']).optional(),
  epochs: z.coerce.number().int().min(1).max(10_000).default(40),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1),
  learningRate: z.coerce.number().positive().max(1).default(0.003),
  thresholdQuantile: z.coerce.number().min(0.5).max(1).default(0.999),
  thresholdMargin: z.coerce.number().min(0.1).max(100).default(1.25),
  quiet: z.boolean().default(false),
});
export type TrainOptions = z.output<typeof trainOptionsSchema>;

export function trainCommand(): Command {
  return new Command('train')
    .description('fit an autoencoder on normal-operation readings and write model.onnx + model.json')
    .requiredOption('-d, --data <files...>', 'training files (CSV, JSON or NDJSON) of normal operation')
    .option('-s, --schema <name|file>', 'feature schema: a built-in name (default, skab) or a JSON schema file', 'default')
    .option('-o, --out <dir>', 'folder to write model.onnx and model.json into', 'model')
    .addOption(new Option('--format <format>', 'input format (default: from each file extension)').choices(['csv', 'json', 'ndjson']))
    .option('--epochs <n>', 'training epochs', '40')
    .option('--seed <n>', 'random seed (same data + seed = same model bytes)', '1')
    .option('--learning-rate <x>', 'Adam learning rate', '0.003')
    .option('--threshold-quantile <q>', 'quantile of held-back normal errors used for the threshold', '0.999')
    .option('--threshold-margin <m>', 'multiplier on that quantile', '1.25')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
20% of the rows (chosen by --seed) are held back: the threshold is their error
quantile times the margin. The scaler is fitted on the training rows.

Examples:
  imind simulate --rows 20000 --output normal.csv && imind train --data normal.csv --out my-model
  imind train --data runs/*.csv --schema skab --out models/pump-7`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(trainOptionsSchema, raw);
      const { runTrain } = await import('./train-action.js');
      await runTrain(options);
    });
}
