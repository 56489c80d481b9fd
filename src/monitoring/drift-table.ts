import type { DriftReport } from './drift.js';

/** The drift report as a small aligned text table (for stderr). */
export function formatDriftTable(report: DriftReport): string {
  const rows = [['feature', 'psi', 'out of range', 'status']];
  for (const f of report.features)
    rows.push([f.feature, f.psi.toFixed(4), `${(f.out_of_range_rate * 100).toFixed(1)}%`, f.status]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    `  ${r.map((cell, c) => (c === 1 || c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd(),
  );
  const scope = report.window_size === null ? 'every scored reading' : `the last ${report.window_size} readings`;
  return (
    `drift of ${report.readings} readings (${scope}) against the training distribution: ${report.status} ` +
    `(PSI warn ≥ ${report.thresholds.warn}, alert ≥ ${report.thresholds.alert})\n${lines.join('\n')}\n`
  );
}
