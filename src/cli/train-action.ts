import { fitAutoencoder, DEFAULT_AUTOENCODER_OPTIONS } from '../detectors/fit-autoencoder.js';
import { loadTrainingData } from '../detectors/load-training-data.js';
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
  for (const { file, error } of data.invalid.slice(0, 10)) process.stderr.write(`imind: ${file}: row ${error.row}: ${error.message} (skipped)\n`);
  if (data.invalid.length > 10) process.stderr.write(`imind: … ${data.invalid.length - 10} more invalid rows skipped\n`);
  log(`training on ${data.rows} rows (${schema.features.length} features: ${schema.features.map((f) => f.name).join(', ')})`);
  const fitted = fitAutoencoder(data, {
    ...DEFAULT_AUTOENCODER_OPTIONS,
    epochs: options.epochs,
    seed: options.seed,
    learningRate: options.learningRate,
    threshold: { quantile: options.thresholdQuantile, margin: options.thresholdMargin },
  });
  await writeModelFiles(options.out, fitted.onnxBytes, fitted.metadata);
  const m = fitted.metadata;
  log(
    `wrote ${options.out}/model.onnx and model.json: version ${m.modelVersion}, threshold ${m.threshold.value.toPrecision(4)} ` +
      `(p${options.thresholdQuantile * 100} × ${options.thresholdMargin}), train loss ${m.training.finalTrainLoss?.toPrecision(3)}, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
