import type { CounterChild, FastCounter } from './fast-metrics.js';

/** The label value for every machine beyond the limit. */
export const OTHER_MACHINES = '_other';

export const OUTCOMES = ['normal', 'anomaly', 'warming_up'] as const;
export type OutcomeIndex = 0 | 1 | 2;

/**
 * Per-machine counter series with a cap on their number: the first `limit`
 * machine ids seen get their own `machine_id` label value, every later one is
 * counted under "_other", so a client sending random ids cannot grow the
 * metrics without bound.
 */
export class MachineLabels {
  private readonly byMachine = new Map<string, (CounterChild | undefined)[]>();
  private readonly other: (CounterChild | undefined)[] = [];

  constructor(
    private readonly counter: FastCounter,
    readonly limit: number,
  ) {}

  /** Distinct machines with their own label value. */
  get size(): number {
    return this.byMachine.size;
  }

  count(machineId: string, outcome: OutcomeIndex, by = 1): void {
    let series = this.byMachine.get(machineId);
    let label = machineId;
    if (!series) {
      if (this.byMachine.size < this.limit) {
        series = [];
        this.byMachine.set(machineId, series);
      } else {
        series = this.other;
        label = OTHER_MACHINES;
      }
    }
    const child = (series[outcome] ??= this.counter.child(label, OUTCOMES[outcome]));
    child.value += by;
  }
}
