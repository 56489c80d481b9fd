import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ImindError } from '../errors.js';
import { readModelFiles, writeModelFiles, type ModelFiles } from './model-files.js';
import type { ModelMetadata } from './model-metadata.js';

/**
 * Per-machine models on disk: `<root>/<encoded machine_id>/model.{onnx,json}`.
 * Written by `imind train --per-machine` and by the server's baseline route, read
 * by `imind serve` at start, so fitted machines survive a restart.
 */
export function machineFolderName(machineId: string): string {
  // encodeURIComponent leaves no "/"; encoding "." too rules out "." and ".." as names.
  return encodeURIComponent(machineId).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

export function machineIdFromFolder(name: string): string | null {
  try {
    return decodeURIComponent(name);
  } catch {
    return null;
  }
}

export async function saveMachineModel(
  root: string,
  machineId: string,
  parts: { onnxBytes: Uint8Array; metadata: ModelMetadata },
): Promise<void> {
  const folder = join(root, machineFolderName(machineId));
  // Write into a fresh folder, then swap it in, so a crash never leaves a half-written model.
  const staging = `${folder}.imind-tmp-${process.pid}-${Date.now()}`;
  await mkdir(root, { recursive: true });
  await writeModelFiles(staging, parts.onnxBytes, parts.metadata);
  await rm(folder, { recursive: true, force: true });
  await rename(staging, folder);
}

export interface StoredMachineModel extends ModelFiles {
  machineId: string;
}

export interface MachineModelProblem {
  machineId: string;
  message: string;
}

/** Reads every machine model under root; a missing root is an empty store. Broken entries are returned as problems. */
export async function loadMachineModels(
  root: string,
): Promise<{ models: StoredMachineModel[]; problems: MachineModelProblem[] }> {
  let names: string[];
  try {
    // Only folders hold models; other files (a README, say) are not machines.
    const entries = await readdir(root, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { models: [], problems: [] };
    throw new ImindError('model_unusable', `cannot read the machine model folder ${root}`);
  }
  const models: StoredMachineModel[] = [];
  const problems: MachineModelProblem[] = [];
  for (const name of names.sort()) {
    if (name.includes('.imind-tmp-')) continue;
    const machineId = machineIdFromFolder(name);
    if (machineId === null) continue;
    try {
      models.push({ machineId, ...(await readModelFiles(join(root, name))) });
    } catch (error) {
      problems.push({ machineId, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { models, problems };
}
