/**
 * Typed errors shared by every layer. Core code throws these; exactly one place
 * in the CLI maps them to exit codes and one place in the server maps them to
 * HTTP statuses.
 */

/** Exit statuses of the `imind` command line, documented in the README. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalidRows: 3,
  anomaliesFound: 4,
  inputUnreadable: 5,
  modelUnusable: 6,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'input_unreadable'
  | 'input_malformed'
  | 'schema_invalid'
  | 'model_unusable'
  | 'output_unwritable'
  | 'training_failed';

const exitCodeFor: Record<ErrorCode, ExitCodeValue> = {
  usage: ExitCode.usage,
  input_unreadable: ExitCode.inputUnreadable,
  input_malformed: ExitCode.inputUnreadable,
  schema_invalid: ExitCode.usage,
  model_unusable: ExitCode.modelUnusable,
  output_unwritable: ExitCode.inputUnreadable,
  training_failed: ExitCode.internal,
};

export class ImindError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImindError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCodeValue {
    return exitCodeFor[this.code];
  }
}

/** A short, path-free description of an unknown thrown value (for messages). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
