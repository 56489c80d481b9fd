import { fitDetector, type DetectorOptions, type FittedDetector } from '../detectors/fit-detector.js';
import { loadTrainingData, splitByMachine } from '../detectors/load-training-data.js';
import { saveMachineModel } from '../model/machine-store.js';
import { writeModelFiles } from '../model/model-files.js';
import { loadSchema } from '../schema/load-schema.js';
import type { TrainOptions } from './train.js';

export async function runTrain(options: TrainOptions): Promise<void> {
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`imind: ${line}\n`);
  };
  const schema = await loadSchema(options.schema);
  const started = performance.now();
  const data = await loadTrainingData(options.data, schema, options.format);
  for (const { file, error } of data.invalid.slice(0, 10))
    process.stderr.write(`imind: ${file}: row ${error.row}: ${error.message} (skipped)\n`);
  if (data.invalid.length > 10)
    process.stderr.write(`imind: … ${data.invalid.length - 10} more invalid rows skipped\n`);
  const detectorOptions: DetectorOptions = {
    seed: options.seed,
    ...(options.window !== undefined && { window: options.window }),
    ...(options.epochs !== undefined && { epochs: options.epochs }),
    threshold: {
      ...(options.thresholdQuantile !== undefined && { quantile: options.thresholdQuantile }),
      ...(options.thresholdMargin !== undefined && { margin: options.thresholdMargin }),
    },
  };
  const describe = (f: FittedDetector) => {
    const t = f.metadata.threshold;
    return `${f.kind} ${f.metadata.modelVersion}, threshold ${t.value.toPrecision(4)} (q${t.quantile} × ${t.margin})`;
  };
  if (options.perMachine) {
    const machines = splitByMachine(data);
    log(`training ${machines.size} per-machine ${options.detector} models on ${data.rows} rows`);
    for (const [machineId, machineData] of machines) {
      const fitted = fitDetector(options.detector, machineData, detectorOptions);
      await saveMachineModel(options.out, machineId, fitted);
      log(`${machineId}: ${machineData.rows} rows → ${describe(fitted)}`);
    }
  } else {
    log(
      `training ${options.detector} on ${data.rows} rows (${schema.features.length} features: ${schema.features.map((f) => f.name).join(', ')})`,
    );
    const fitted = fitDetector(options.detector, data, detectorOptions);
    await writeModelFiles(options.out, fitted.onnxBytes, fitted.metadata);
    log(`wrote ${options.out}/model.onnx and model.json: ${describe(fitted)}`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
