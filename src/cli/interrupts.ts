import { ExitCode, type ExitCodeValue } from '../errors.js';

/**
 * Turns SIGINT/SIGTERM into an abort of the running command, so it can clean
 * up (delete temp files) and exit 130/143 instead of dying mid-write.
 */
export class Interrupts {
  readonly controller = new AbortController();
  private received: NodeJS.Signals | null = null;
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.received) process.exit(signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
    this.received = signal;
    this.controller.abort(new Error(`interrupted by ${signal}`));
  };

  constructor() {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The exit status for the signal received, or null when none was. */
  get exitCode(): ExitCodeValue | null {
    if (this.received === null) return null;
    return this.received === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
