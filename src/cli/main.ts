import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { reportFatal } from './report-error.js';
import { VERSION } from '../version.js';
import { predictCommand } from './predict.js';
import { simulateCommand } from './simulate.js';
import { trainCommand } from './train.js';
import { serveCommand } from './serve.js';
import { evaluateCommand } from './evaluate.js';
import { keysCommand } from './keys.js';

/**
 * The one place that turns errors into exit codes. Commands register their
 * options here; their actions import the core lazily so `--help` and
 * `--version` start fast.
 */
export function buildProgram(): Command {
  const program = new Command('imind')
    .description(
      'Anomaly detection for industrial sensor readings (CSV, JSON, NDJSON) with an ONNX autoencoder.\n' +
        'Data goes to stdout; progress, summaries and errors go to stderr.',
    )
    .version(VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .exitOverride();
  program.addCommand(predictCommand());
  program.addCommand(serveCommand());
  program.addCommand(trainCommand());
  program.addCommand(evaluateCommand());
  program.addCommand(simulateCommand());
  program.addCommand(keysCommand());
  program.addHelpText(
    'after',
    `
Exit status:
  0  success          3  some rows invalid (the rest were scored)
  1  internal error   4  anomalies found (with --fail-on-anomaly)
  2  usage error      5  input unreadable or malformed
  6  model could not be loaded    130/143  interrupted by SIGINT/SIGTERM`,
  );
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed.
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = reportFatal(error);
  }
}

await main();
