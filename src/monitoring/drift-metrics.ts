import type { DriftReport } from './drift.js';
import { CallbackGauge, type Aggregator } from './fast-metrics.js';

/**
 * The drift gauges, read from a report when scraped. PSI and out-of-range rate
 * are exported only once the window holds enough readings to mean something.
 */
export function driftGauges(report: () => DriftReport | null, aggregator: Aggregator): CallbackGauge[] {
  const enough = (r: DriftReport | null): r is DriftReport => r !== null && r.status !== 'insufficient_data';
  return [
    new CallbackGauge(
      'imind_feature_drift_psi',
      'Population stability index of each feature’s live values (sliding window) against the training distribution',
      () => {
        const r = report();
        return enough(r) ? r.features.map((f) => ({ value: f.psi, labels: { feature: f.feature } })) : [];
      },
      aggregator,
    ),
    new CallbackGauge(
      'imind_feature_out_of_range_ratio',
      'Share of each feature’s live values (sliding window) outside the training [min, max]',
      () => {
        const r = report();
        return enough(r) ? r.features.map((f) => ({ value: f.out_of_range_rate, labels: { feature: f.feature } })) : [];
      },
      aggregator,
    ),
    new CallbackGauge(
      'imind_drift_window_readings',
      'Readings in the drift window now',
      () => {
        const r = report();
        return r ? [{ value: r.readings, labels: {} }] : [];
      },
      aggregator,
    ),
  ];
}
