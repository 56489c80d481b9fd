import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ImindError, describeError } from '../errors.js';
import { modelMetadataSchema, type ModelMetadata } from './model-metadata.js';

export const SIDECAR_FILE = 'model.json';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Resolves `--model PATH` (a folder, its model.json, or its .onnx file) to the sidecar path. */
export async function resolveSidecarPath(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ImindError('model_unusable', `model not found: ${path}`, {
      hint: 'pass a model folder (holding model.json and model.onnx) or its model.json',
    });
  }
  if (info.isDirectory()) return join(path, SIDECAR_FILE);
  if (path.endsWith('.onnx')) return join(dirname(path), SIDECAR_FILE);
  return path;
}

export interface ModelFiles {
  metadata: ModelMetadata;
  onnxBytes: Uint8Array;
  sidecarPath: string;
}

/** Reads and verifies a model: sidecar schema, ONNX hash, and schema/scaler consistency. */
export async function readModelFiles(path: string): Promise<ModelFiles> {
  const sidecarPath = await resolveSidecarPath(path);
  let text: string;
  try {
    text = await readFile(sidecarPath, 'utf8');
  } catch (error) {
    throw new ImindError('model_unusable', `cannot read model metadata ${sidecarPath}: ${describeError(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImindError('model_unusable', `model metadata ${sidecarPath} is not valid JSON`);
  }
  const parsed = modelMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ImindError(
      'model_unusable',
      `model metadata ${sidecarPath} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  const metadata = parsed.data;
  const width = metadata.schema.features.length;
  if (metadata.scaler.mean.length !== width || metadata.scaler.std.length !== width) {
    throw new ImindError(
      'model_unusable',
      `model metadata ${sidecarPath}: scaler has the wrong number of features for its schema (${width})`,
    );
  }
  for (const f of metadata.schema.features) {
    if (!metadata.distribution[f.name])
      throw new ImindError(
        'model_unusable',
        `model metadata ${sidecarPath}: no training distribution for feature ${f.name}`,
      );
  }
  const onnxPath = join(dirname(sidecarPath), metadata.onnx.file);
  let onnxBytes: Uint8Array;
  try {
    onnxBytes = await readFile(onnxPath);
  } catch (error) {
    throw new ImindError('model_unusable', `cannot read ONNX model ${onnxPath}: ${describeError(error)}`);
  }
  const actual = sha256(onnxBytes);
  if (actual !== metadata.onnx.sha256) {
    throw new ImindError(
      'model_unusable',
      `ONNX model ${onnxPath} does not match its metadata (sha256 ${actual.slice(0, 12)}…, expected ${metadata.onnx.sha256.slice(0, 12)}…)`,
      {
        hint: 'the file is corrupt or was replaced; retrain or restore both files together',
      },
    );
  }
  return { metadata, onnxBytes, sidecarPath };
}

/** Writes model.onnx and model.json into `dir` (each via a temp file + rename). */
export async function writeModelFiles(dir: string, onnxBytes: Uint8Array, metadata: ModelMetadata): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const onnxPath = join(dir, metadata.onnx.file);
    const sidecarPath = join(dir, SIDECAR_FILE);
    const tmp = `.imind-tmp-${process.pid}`;
    await writeFile(`${onnxPath}${tmp}`, onnxBytes);
    await writeFile(`${sidecarPath}${tmp}`, `${JSON.stringify(metadata, null, 2)}\n`);
    await rename(`${onnxPath}${tmp}`, onnxPath);
    await rename(`${sidecarPath}${tmp}`, sidecarPath);
  } catch (error) {
    throw new ImindError('output_unwritable', `cannot write model to ${basename(dir)}: ${describeError(error)}`);
  }
}
