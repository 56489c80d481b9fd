import { ExitCode, ImindError, type ExitCodeValue } from '../errors.js';

/** Prints an error to stderr as one clear message (never a stack trace) and returns its exit code. */
export function reportFatal(error: unknown): ExitCodeValue {
  if (error instanceof ImindError) {
    process.stderr.write(`imind: error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`imind: hint: ${error.hint}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`imind: internal error: ${message}\n`);
  if (process.env.IMIND_DEBUG === '1' && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('imind: hint: this is a bug; set IMIND_DEBUG=1 to print details and report it\n');
  return ExitCode.internal;
}
