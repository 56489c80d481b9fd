import type { ScoreSummary } from '../model/score-stream.js';

export interface Progress {
  update(summary: ScoreSummary): void;
  stop(): void;
}

/** A spinner on stderr, only when stderr is a terminal (ora is imported only then). */
export async function startProgress(): Promise<Progress | null> {
  if (!process.stderr.isTTY || process.env.CI) return null;
  const { default: ora } = await import('ora');
  const spinner = ora({ text: 'scoring…', stream: process.stderr, discardStdin: false }).start();
  let last = 0;
  return {
    update(summary) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      spinner.text = `scoring… ${summary.rowsRead} rows, ${summary.anomalies} anomalous`;
    },
    stop() {
      spinner.stop();
    },
  };
}
