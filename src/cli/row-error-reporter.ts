import type { RowError } from '../schema/reading.js';
import type { Sink } from '../io/sinks.js';

const STDERR_LIMIT = 20;

/**
 * Sends invalid rows to an --errors file (NDJSON, every row) or to stderr
 * (the first 20, then a count), so every input row is accounted for.
 */
export class RowErrorReporter {
  private printed = 0;
  private withheld = 0;

  constructor(
    private readonly file: Sink | null,
    private readonly quiet: boolean,
  ) {}

  async report(errors: readonly RowError[]): Promise<void> {
    if (this.file) {
      let text = '';
      for (const e of errors) text += `${JSON.stringify({ row: e.row, field: e.field, message: e.message })}\n`;
      await this.file.write(text);
      return;
    }
    if (this.quiet) return;
    for (const e of errors) {
      if (this.printed < STDERR_LIMIT) {
        process.stderr.write(`imind: row ${e.row}: ${e.message}\n`);
        this.printed++;
      } else this.withheld++;
    }
  }

  finish(): void {
    if (this.withheld > 0)
      process.stderr.write(`imind: … and ${this.withheld} more invalid rows (use --errors FILE to keep them all)\n`);
  }
}
