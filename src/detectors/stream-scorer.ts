import { confidence } from '../model/confidence.js';
import type { AlarmRule } from '../model/model-metadata.js';
import type { Model } from '../model/model.js';
import { shares } from '../model/model.js';
import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';
import { AlarmState, PLAIN_ALARM_RULE } from './alarm-state.js';
import { MachineWindows } from './machine-windows.js';

export interface StreamScorerOptions {
  /** Most machines whose windows and alarm state are kept (least recently seen is dropped first). */
  maxMachines?: number;
  /** Overrides the model's alarm rule. */
  alarm?: AlarmRule;
  /** Overrides the model's threshold. */
  threshold?: number;
}

/**
 * Per-machine scoring state around one Model: window buffers (for windowed
 * models) and alarm rules (EWMA smoothing, k-of-n). Feed readings of any mix of
 * machines, each machine's in timestamp order; every reading gets a prediction,
 * in input order, with one ONNX call per batch. Readings whose window is not
 * full yet are `warming_up`: score 0, never anomalous.
 *
 * The reported score is the smoothed score (the raw score when ewmaAlpha = 1),
 * the one compared with the threshold.
 */
export class StreamScorer {
  private readonly windows: MachineWindows;
  private readonly alarms = new Map<string, AlarmState>();
  private readonly rule: AlarmRule;
  readonly threshold: number;
  private buffer = new Float32Array(0);
  private readonly maxMachines: number;
  /** Calls run one after another, so overlapping score() calls cannot interleave a machine's state. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: Model,
    private readonly options: StreamScorerOptions = {},
  ) {
    this.maxMachines = options.maxMachines ?? 100_000;
    this.windows = new MachineWindows(model.width, model.window, this.maxMachines);
    this.rule = options.alarm ?? model.metadata.alarm ?? PLAIN_ALARM_RULE;
    this.threshold = options.threshold ?? model.threshold;
  }

  get machines(): number {
    return this.windows.size;
  }

  /** Forgets one machine's state (or every machine's). */
  reset(machineId?: string): void {
    this.windows.reset(machineId);
    if (machineId === undefined) this.alarms.clear();
    else this.alarms.delete(machineId);
  }

  /** Scores readings in order; concurrent calls are queued (each sees the state the previous one left). */
  score(readings: readonly Reading[]): Promise<Prediction[]> {
    const result = this.tail.then(() => this.scoreNow(readings));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async scoreNow(readings: readonly Reading[]): Promise<Prediction[]> {
    const n = readings.length;
    if (n === 0) return [];
    const rowWidth = this.model.inputWidth;
    if (this.buffer.length < n * rowWidth) this.buffer = new Float32Array(n * rowWidth);
    const slot = new Int32Array(n).fill(-1);
    const outOfOrder = new Uint8Array(n);
    let ready = 0;
    for (let r = 0; r < n; r++) {
      const reading = readings[r]!;
      const push = this.windows.push(
        reading.machineId,
        reading.timestamp,
        reading.values,
        this.buffer,
        ready * rowWidth,
      );
      if (push.outOfOrder) outOfOrder[r] = 1;
      if (push.status === 'ready') slot[r] = ready++;
    }
    const outputs = ready > 0 ? await this.model.scoreMatrix(this.buffer, ready) : null;
    const width = this.model.width;
    const threshold = this.threshold;
    const predictions = new Array<Prediction>(n);
    for (let r = 0; r < n; r++) {
      const reading = readings[r]!;
      const k = slot[r]!;
      const base = { row: reading.row, timestamp: reading.timestamp, machineId: reading.machineId, threshold };
      const flag = outOfOrder[r] ? { outOfOrder: true } : {};
      if (k < 0 || !outputs) {
        predictions[r] = {
          ...base,
          isAnomaly: false,
          score: 0,
          confidence: 0,
          contributions: new Float64Array(width),
          status: 'warming_up',
          ...flag,
        };
        continue;
      }
      const raw = outputs.score[k]!;
      let decision: { smoothed: number; isAnomaly: boolean };
      if (outOfOrder[r]) {
        // A late reading is judged on its own score and leaves the machine's alarm state alone.
        decision = { smoothed: raw, isAnomaly: raw > threshold };
      } else {
        decision = this.alarmState(reading.machineId).next(raw);
      }
      predictions[r] = {
        ...base,
        isAnomaly: decision.isAnomaly,
        score: decision.smoothed,
        confidence: confidence(decision.smoothed, threshold),
        contributions: shares(outputs.featureErrors, k * width, width),
        status: 'scored',
        ...flag,
      };
    }
    return predictions;
  }

  /** The machine's alarm state, most recently used last; the least recently used is dropped beyond maxMachines. */
  private alarmState(machineId: string): AlarmState {
    let state = this.alarms.get(machineId);
    if (state) this.alarms.delete(machineId);
    else {
      state = new AlarmState(this.rule, this.threshold);
      if (this.alarms.size >= this.maxMachines) this.alarms.delete(this.alarms.keys().next().value!);
    }
    this.alarms.set(machineId, state);
    return state;
  }
}
