import { Command, Option } from 'commander';
import { z } from 'zod';
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
    .addOption(
      new Option('--log-level <level>', 'log level (JSON lines on stderr; debug logs every request)')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
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
  curl -s localhost:8000/predict -H 'content-type: application/json' \\
    -d '{"timestamp":"2024-01-15T10:30:00Z","machine_id":"MACHINE_001","temperature":85,"vibration":2.5,"pressure":45,"power":250}'`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(serveOptionsSchema, raw);
      const { runServe } = await import('./serve-action.js');
      process.exitCode = await runServe(options);
    });
}
