import { stat } from 'node:fs/promises';
import type { DetectorKind } from '../detectors/fit-detector.js';
import { ImindError } from '../errors.js';
import { loadMachineModels, saveMachineModel, type MachineModelProblem } from '../model/machine-store.js';
import { Model } from '../model/model.js';
import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';
import { machineIdProblem } from '../schema/validation-options.js';
import { HttpError } from './http-error.js';
import { FitAbortedError, MachineFitter, baselineData, inTimeOrder } from './machine-fit.js';
import { describe, mismatchProblem, replayLength, schemaMismatch, type MachineInfo } from './machine-info.js';
import type { ScoringModel } from './scoring-service.js';
import type { ServerSettings } from './settings.js';

/** A machine whose stored model could not be used: its readings are refused, never scored by another model. */
export interface UnavailableMachine {
  machine_id: string;
  problem: string;
}

interface Usable {
  kind: 'model';
  model: Model;
  info: MachineInfo;
  /** Scoring calls in flight; a replaced model is released when the last one ends. */
  pending: number;
  retired: boolean;
}

interface Unusable {
  kind: 'unusable';
  error: HttpError['code'];
  problem: string;
}

type Entry = Usable | Unusable;

export interface FitOutcome {
  machine: MachineInfo;
  replaced: boolean;
  fitMs: number;
}

/** Readings per model call when a new model replays its baseline to fill its windows. */
const PRIME_BATCH = 4096;

/**
 * The per-machine models of one server process, and the router in front of them:
 * a reading whose machine has a model of its own is scored by it (with that
 * model's own windows and alarm state); every other reading by the default model.
 */
export class MachineRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly fitting = new Map<string, Promise<unknown>>();
  private readonly fitter = new MachineFitter();
  private closed = false;
  /** What loadStored found (for the start-up log). */
  loadReport: { loaded: number; problems: MachineModelProblem[] } = { loaded: 0, problems: [] };

  constructor(
    private readonly defaultModel: ScoringModel,
    private readonly settings: ServerSettings,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Loads every model of the machines folder (a missing folder is empty). A model that
   * cannot be loaded, or whose features differ from the default model's, makes its
   * machine unavailable (its readings are refused) and is reported, not fatal.
   */
  async loadStored(): Promise<{ loaded: number; problems: MachineModelProblem[] }> {
    const dir = this.settings.machinesDir;
    if (dir === null) return { loaded: 0, problems: [] };
    const { models, problems } = await loadMachineModels(dir);
    const reported = [...problems];
    for (const p of problems) this.entries.set(p.machineId, unavailable('not_ready', p.machineId));
    let loaded = 0;
    for (const stored of models) {
      const id = stored.machineId;
      const idProblem = machineIdProblem(id);
      if (idProblem) {
        reported.push({ machineId: id, message: `the folder name is not a valid machine_id (it ${idProblem})` });
        continue;
      }
      const mismatch = schemaMismatch(this.defaultModel.schema, stored.metadata.schema);
      if (mismatch) {
        reported.push({ machineId: id, message: mismatch });
        this.entries.set(id, { kind: 'unusable', error: 'validation_failed', problem: mismatchProblem(id, mismatch) });
        continue;
      }
      try {
        const written = (await stat(stored.sidecarPath)).mtime;
        const model = await Model.fromParts(stored);
        this.entries.set(id, usable(model, describe(id, stored.metadata, written, true)));
        loaded++;
      } catch (error) {
        reported.push({ machineId: id, message: error instanceof Error ? error.message : String(error) });
        this.entries.set(id, unavailable('not_ready', id));
      }
    }
    this.loadReport = { loaded, problems: reported };
    return this.loadReport;
  }

  /** The refusal for readings of a machine whose stored model is unusable, or null. `path` names the field. */
  refusal(machineId: string, path: string): HttpError | null {
    const entry = this.entries.get(machineId);
    if (entry?.kind !== 'unusable') return null;
    const issues = entry.error === 'validation_failed' ? [{ path, message: entry.problem }] : undefined;
    return new HttpError(entry.error, entry.problem, issues ? { issues } : {});
  }

  /** Scores readings, each by its machine's model or else the default model; predictions in input order. */
  predict(readings: readonly Reading[]): Promise<Prediction[]> {
    if (this.entries.size === 0) return this.defaultModel.predict(readings);
    const n = readings.length;
    const targets = new Array<Usable | null>(n);
    let mixed = false;
    for (let i = 0; i < n; i++) {
      const id = readings[i]!.machineId;
      const entry = this.entries.get(id);
      if (entry?.kind === 'unusable') return Promise.reject(this.refusal(id, 'machine_id')!);
      targets[i] = entry ?? null;
      if (targets[i] !== targets[0]) mixed = true;
    }
    if (!mixed) return this.score(targets[0] ?? null, readings);
    const groups = new Map<Usable | null, number[]>();
    for (let i = 0; i < n; i++) {
      const list = groups.get(targets[i]!);
      if (list) list.push(i);
      else groups.set(targets[i]!, [i]);
    }
    // Every model gets its call now, in arrival order, so each machine's readings stay in order.
    const calls = [...groups].map(([target, rows]) =>
      this.score(
        target,
        rows.map((i) => readings[i]!),
      ).then((predictions) => ({ rows, predictions })),
    );
    return Promise.all(calls).then((results) => {
      const out = new Array<Prediction>(n);
      for (const { rows, predictions } of results) rows.forEach((i, k) => (out[i] = predictions[k]!));
      return out;
    });
  }

  /** GET /machines/{machine_id}: the machine's model, or 404 when it has none. */
  info(machineId: string): MachineInfo {
    const entry = this.entries.get(machineId);
    if (entry?.kind === 'model') return entry.info;
    if (entry) throw this.refusal(machineId, 'machine_id')!;
    throw new HttpError(
      'not_found',
      `machine ${JSON.stringify(machineId)} has no model of its own: its readings are scored by the default model`,
    );
  }

  /** GET /machines: every machine with a model of its own, by machine_id. */
  list(): { machines: MachineInfo[]; unavailable: UnavailableMachine[] } {
    const machines: MachineInfo[] = [];
    const unavailableList: UnavailableMachine[] = [];
    const ids = [...this.entries.keys()].sort();
    for (const id of ids) {
      const entry = this.entries.get(id)!;
      if (entry.kind === 'model') machines.push(entry.info);
      else unavailableList.push({ machine_id: id, problem: entry.problem });
    }
    return { machines, unavailable: unavailableList };
  }

  /**
   * Fits a model on the machine's baseline (normal operation), replays the baseline's
   * end through it so its windows and alarm state start where the baseline ends, saves it
   * to the machines folder (when there is one) and only then puts it in service.
   * Fits of one machine run one after another.
   */
  fit(
    machineId: string,
    readings: readonly Reading[],
    kind: DetectorKind,
    wanted: () => boolean = () => true,
  ): Promise<FitOutcome> {
    if (this.settings.workers > 1) {
      return Promise.reject(
        new HttpError(
          'conflict',
          `this server runs ${this.settings.workers} worker processes and each keeps its own machine models, so a model fitted here would serve only some requests; ` +
            'fit over HTTP with --workers 1, or fit offline (imind train --per-machine --out DIR) and restart with --machines-dir DIR',
        ),
      );
    }
    const previous = this.fitting.get(machineId) ?? Promise.resolve();
    const run = previous.then(() => this.fitNow(machineId, readings, kind, wanted));
    const tail = run.catch(() => undefined);
    this.fitting.set(machineId, tail);
    void tail.then(() => {
      if (this.fitting.get(machineId) === tail) this.fitting.delete(machineId);
    });
    return run;
  }

  /** Resolves once no fit is in progress or queued. */
  async settled(): Promise<void> {
    while (this.fitting.size > 0) await Promise.all(this.fitting.values());
  }

  /** Stops fits in progress and releases every machine model (after in-flight requests ended). */
  async dispose(): Promise<void> {
    this.closed = true;
    await this.fitter.close();
    await Promise.all(this.fitting.values());
    const models = [...this.entries.values()].flatMap((e) => (e.kind === 'model' ? [e.model] : []));
    this.entries.clear();
    await Promise.all(models.map((m) => m.dispose().catch(() => undefined)));
  }

  private score(target: Usable | null, readings: readonly Reading[]): Promise<Prediction[]> {
    if (target === null) return this.defaultModel.predict(readings);
    target.pending++;
    return target.model.predict(readings).finally(() => {
      target.pending--;
      if (target.retired && target.pending === 0) void target.model.dispose().catch(() => undefined);
    });
  }

  private async fitNow(
    machineId: string,
    readings: readonly Reading[],
    kind: DetectorKind,
    wanted: () => boolean,
  ): Promise<FitOutcome> {
    this.assertOpen();
    if (!wanted()) throw abandoned();
    if (!this.entries.has(machineId) && this.entries.size >= this.settings.maxMachineModels) {
      throw new HttpError(
        'conflict',
        `this server already holds ${this.entries.size} machine models, its limit (maxMachineModels); refit an existing machine or raise the limit`,
      );
    }
    const started = performance.now();
    const ordered = inTimeOrder(readings);
    const data = baselineData(this.defaultModel.schema, ordered, `baseline of ${machineId} (HTTP)`);
    let fitted;
    try {
      fitted = await this.fitter.fit(kind, data, wanted);
    } catch (error) {
      if (error instanceof FitAbortedError) throw this.closed ? shuttingDown() : abandoned();
      if (error instanceof ImindError && (error.code === 'training_failed' || error.code === 'usage'))
        throw new HttpError('validation_failed', `the baseline cannot be fitted with ${kind}: ${error.message}`, {
          issues: [{ path: 'readings', message: error.message }],
        });
      throw error;
    }
    const mismatch = schemaMismatch(this.defaultModel.schema, fitted.metadata.schema);
    if (mismatch) throw new HttpError('validation_failed', mismatchProblem(machineId, mismatch));
    const model = await Model.fromParts(fitted);
    try {
      if (model.stateful) {
        const tail = ordered.slice(Math.max(0, ordered.length - replayLength(model)));
        for (let start = 0; start < tail.length; start += PRIME_BATCH)
          await model.predict(tail.slice(start, start + PRIME_BATCH));
      }
      if (!wanted()) throw abandoned();
      const dir = this.settings.machinesDir;
      if (dir !== null) await saveMachineModel(dir, machineId, fitted);
      this.assertOpen();
    } catch (error) {
      await model.dispose().catch(() => undefined);
      throw error;
    }
    const info = describe(
      machineId,
      fitted.metadata,
      new Date(this.settings.now()),
      this.settings.machinesDir !== null,
    );
    const old = this.entries.get(machineId);
    this.entries.set(machineId, usable(model, info));
    if (old?.kind === 'model') {
      old.retired = true;
      if (old.pending === 0) await old.model.dispose().catch(() => undefined);
    }
    return { machine: info, replaced: old !== undefined, fitMs: performance.now() - started };
  }

  private assertOpen(): void {
    if (this.closed) throw shuttingDown();
  }
}

function unavailable(error: HttpError['code'], machineId: string): Unusable {
  return {
    kind: 'unusable',
    error,
    problem: `the stored model of machine ${JSON.stringify(machineId)} could not be loaded (the reason is in the server log); refit it with POST /machines/{machine_id}/baseline`,
  };
}

function usable(model: Model, info: MachineInfo): Usable {
  return { kind: 'model', model, info, pending: 0, retired: false };
}

/** The request of a fit was answered already (its deadline passed) or its client left: nothing changed. */
function abandoned(): HttpError {
  return new HttpError('deadline_exceeded', 'the baseline was not fitted within the request deadline; nothing changed');
}

function shuttingDown(): HttpError {
  return new HttpError('shutting_down', 'the server is shutting down; retry on another instance');
}
