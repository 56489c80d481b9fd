import { Command, Option } from 'commander';
import { z } from 'zod';
import { withSettings } from '../config/command-settings.js';
import { settingsShape } from '../config/settings.js';
import { defaultModelPath } from './default-model.js';
import { parseOptions } from './parse-options.js';

const serveOptionsSchema = z.object({
  host: z.string().min(1).max(255).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(8000),
  model: z.string().min(1),
  workers: z.coerce.number().int().min(1).max(64).default(1),
  clockSkew: z.coerce
    .number()
    .min(0)
    .max(365 * 86_400)
    .default(300),
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  machinesDir: z.string().min(1).optional(),
  keysFile: z.string().min(1).optional(),
  ...settingsShape([
    'config',
    'logFormat',
    'metrics',
    'metricsMachineLimit',
    'driftWindow',
    'driftWarnPsi',
    'driftAlertPsi',
  ]),
});
export type ServeOptions = z.output<typeof serveOptionsSchema>;

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the model over HTTP: POST /predict, POST /predict/batch, GET /health, /ready, /docs')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '8000')
    .option('-m, --model <path>', 'model folder (model.onnx + model.json) [env: IMIND_MODEL]', defaultModelPath())
    .option('-w, --workers <n>', 'processes sharing the port (one model each; about one per core)', '1')
    .option('--clock-skew <seconds>', 'how far in the future a timestamp may lie', '300')
    .option('--body-limit <bytes>', 'largest request body accepted (413 above it)', String(1024 * 1024))
    .option(
      '--keys-file <path>',
      'API keys file (see imind keys) [env: IMIND_API_KEYS_FILE] (default: ./imind-keys.json)',
    )
    .option(
      '--machines-dir <dir>',
      'folder of per-machine models: loaded at start, written by POST /machines/{id}/baseline [env: IMIND_MACHINES_DIR]',
      process.env.IMIND_MACHINES_DIR || undefined,
    )
    .addOption(
      new Option('--log-level <level>', 'log level (lines on stderr; info logs every request) [env: IMIND_LOG_LEVEL]')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
    )
    .addOption(
      new Option('--log-format <format>', 'log lines as JSON or pretty text [env: IMIND_LOG_FORMAT]')
        .choices(['json', 'pretty'])
        .default('json'),
    )
    .option('--no-metrics', 'no GET /metrics and no drift statistics [env: IMIND_METRICS=0]')
    .option('--metrics-machine-limit <n>', 'most machine_id label values in metrics; the rest count as "_other"', '100')
    .option('--drift-window <n>', 'readings per process compared with the training distribution', '1000')
    .option(
      '--config <file>',
      'JSON file of settings (flags override IMIND_* variables, which override it) [env: IMIND_CONFIG]',
    )
    .addHelpText(
      'after',
      `
The server answers at once; GET /ready turns 200 once the model is loaded and a
test score succeeded. If the model cannot be loaded the server exits with
status 6. SIGTERM or SIGINT stop it gracefully (in-flight requests finish):
exit status 0. A second signal stops it at once.

Examples:
  imind serve
  imind serve --model models/pump-7 --host 0.0.0.0 --port 8080 --workers 2
  imind serve --machines-dir models/machines     # per-machine models, kept across restarts
  curl -s localhost:8000/predict -H 'content-type: application/json' \\
    -d '{"timestamp":"2024-01-15T10:30:00Z","machine_id":"MACHINE_001","temperature":85,"vibration":2.5,"pressure":45,"power":250}'`,
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const options = parseOptions(serveOptionsSchema, await withSettings(command, raw, 'serve'));
      const { runServe } = await import('./serve-action.js');
      process.exitCode = await runServe(options);
    });
}
