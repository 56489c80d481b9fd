/** The settings of per-machine models (part of ServerSettings; every field has a default). */
export interface MachineSettings {
  /**
   * Folder of per-machine models (`<dir>/<encoded machine_id>/model.{onnx,json}`): loaded at start,
   * written by POST /machines/{machine_id}/baseline. Null keeps fitted machines in memory only.
   */
  machinesDir: string | null;
  /** Most readings in one POST /machines/{machine_id}/baseline. */
  maxBaselineReadings: number;
  /** Largest body of POST /machines/{machine_id}/baseline, in bytes (the other routes keep bodyLimitBytes). */
  baselineBodyLimitBytes: number;
  /** Most machines with a model of their own; fitting one more is refused (409). */
  maxMachineModels: number;
  /**
   * Processes serving the port (`--workers`). Above 1 each keeps its own machine models, so
   * the baseline route is refused (409): fit offline with `imind train --per-machine` instead.
   */
  workers: number;
}

export const DEFAULT_MACHINE_SETTINGS: MachineSettings = {
  machinesDir: null,
  maxBaselineReadings: 100_000,
  baselineBodyLimitBytes: 32 * 1024 * 1024,
  maxMachineModels: 1000,
  workers: 1,
};
