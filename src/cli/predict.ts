import { Command, Option } from 'commander';
import { z } from 'zod';
import { withSettings } from '../config/command-settings.js';
import { settingsShape } from '../config/settings.js';
import { defaultModelPath } from './default-model.js';
import { parseOptions } from './parse-options.js';

const predictOptionsSchema = z.object({
  input: z.string().min(1),
  model: z.string().min(1),
  format: z.enum(['csv', 'json', 'ndjson']).optional(),
  output: z.string().min(1).optional(),
  outputFormat: z.enum(['table', 'csv', 'ndjson', 'json']).optional(),
  errors: z.string().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(1_000_000).default(4096),
  clockSkew: z.coerce
    .number()
    .min(0)
    .max(365 * 86_400)
    .default(300),
  failOnAnomaly: z.boolean().default(false),
  quiet: z.boolean().default(false),
  report: z.string().min(1).optional(),
  drift: z.boolean().default(false),
  ...settingsShape([
    'config',
    'pushgateway',
    'pushgatewayJob',
    'pushgatewayInstance',
    'metricsMachineLimit',
    'driftWarnPsi',
    'driftAlertPsi',
  ]),
});
export type PredictOptions = z.output<typeof predictOptionsSchema>;

export function predictCommand(): Command {
  return new Command('predict')
    .description('score readings from a file or stdin ("-") and write one prediction per valid row')
    .argument('<input>', 'CSV, JSON array or NDJSON file, or - for stdin')
    .option('-m, --model <path>', 'model folder (model.onnx + model.json) [env: IMIND_MODEL]', defaultModelPath())
    .addOption(
      new Option('-f, --format <format>', 'input format (default: file extension; sniffed on stdin)').choices([
        'csv',
        'json',
        'ndjson',
      ]),
    )
    .option(
      '-o, --output <file>',
      'write predictions to FILE (atomically) instead of stdout; format from its extension',
    )
    .addOption(
      new Option(
        '--output-format <format>',
        'output format (default: table on a terminal, else NDJSON; or from --output)',
      ).choices(['table', 'csv', 'ndjson', 'json']),
    )
    .option('-e, --errors <file>', 'write every invalid row as NDJSON {row, field, message} to FILE (default: stderr)')
    .option('-b, --batch-size <n>', 'rows per ONNX call', '4096')
    .option('--clock-skew <seconds>', 'how far in the future a timestamp may lie', '300')
    .option('--fail-on-anomaly', 'exit with status 4 when any reading is anomalous')
    .option('-q, --quiet', 'no summary, progress or per-row messages on stderr (fatal errors still print)')
    .option('--drift', 'compare the readings with the training distribution (PSI per feature): a table on stderr')
    .option(
      '--report <file>',
      'write a JSON run report (rows, anomalies per machine, drift, model, duration, exit status)',
    )
    .option(
      '--pushgateway <url>',
      "push the run report's figures to a Prometheus Pushgateway (a failure only warns) [env: IMIND_PUSHGATEWAY]",
    )
    .option('--pushgateway-job <name>', 'job label of the pushed metrics', 'imind')
    .option('--pushgateway-instance <name>', 'instance label of the pushed metrics')
    .option(
      '--config <file>',
      'JSON file of settings (flags override IMIND_* variables, which override it) [env: IMIND_CONFIG]',
    )
    .addHelpText(
      'after',
      `
Input: a header row for CSV (any column order; extra columns are ignored), or
objects with the fields timestamp, machine_id and the model's features.
Timestamps are ISO-8601; without an offset they are UTC.

Output fields: row, timestamp (UTC), machine_id, is_anomaly, anomaly_score,
threshold, confidence (0..1), and each feature's share of the score.

Examples:
  imind predict fixtures/sensors.csv
  imind predict readings.csv --output predictions.csv --errors bad-rows.ndjson
  cat readings.ndjson | imind predict - | head -3
  imind predict - --format csv --output-format csv < readings.csv > scored.csv
  # cron: alert when anything is anomalous (exit 4), keep a report of bad rows
  0 * * * * imind predict /data/last-hour.csv -o /data/scored.csv -e /data/bad.ndjson --fail-on-anomaly -q || notify
  # cron with a run report and a Pushgateway (alert rules in ops/prometheus/)
  0 * * * * imind predict /data/last-hour.csv -o /data/scored.csv -q --report /data/run.json --pushgateway http://pushgateway:9091`,
    )
    .action(async (input: string, raw: Record<string, unknown>, command: Command) => {
      const options = parseOptions(predictOptionsSchema, { ...(await withSettings(command, raw, 'predict')), input });
      const { runPredict } = await import('./predict-action.js');
      const { runWithReport } = await import('./predict-report.js');
      process.exitCode = await runWithReport(options, (hooks) => runPredict(options, hooks));
    });
}
