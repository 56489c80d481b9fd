/**
 * Window rows: the input of a windowed detector is the last W readings of one
 * machine, flattened oldest first: [x(t-W+1) features..., ..., x(t) features...],
 * so a row has W*F values and column w*F + c holds feature c of the w-th oldest reading.
 */

/** Flattened windows of `window` consecutive rows of a row-major matrix [rows][width]; one per end row t >= window-1. */
export function flattenWindows(values: Float64Array, rows: number, width: number, window: number): Float64Array {
  const n = Math.max(0, rows - window + 1);
  const rowWidth = width * window;
  const out = new Float64Array(n * rowWidth);
  for (let t = 0; t < n; t++) out.set(values.subarray(t * width, (t + window) * width), t * rowWidth);
  return out;
}

/** Per-feature means of each window row [n][W*F] -> [n][F]. */
export function windowMeans(windows: ArrayLike<number>, n: number, width: number, window: number): Float64Array {
  const out = new Float64Array(n * width);
  const rowWidth = width * window;
  for (let r = 0; r < n; r++) {
    for (let w = 0; w < window; w++) {
      const base = r * rowWidth + w * width;
      for (let c = 0; c < width; c++) out[r * width + c]! += windows[base + c]!;
    }
    for (let c = 0; c < width; c++) out[r * width + c]! /= window;
  }
  return out;
}

/** Rolling means of `window` consecutive rows: row k of the result is the mean of rows k..k+window-1. */
export function rollingMeans(values: Float64Array, rows: number, width: number, window: number): Float64Array {
  const n = Math.max(0, rows - window + 1);
  const out = new Float64Array(n * width);
  const sum = new Float64Array(width);
  for (let t = 0; t < rows; t++) {
    for (let c = 0; c < width; c++) sum[c]! += values[t * width + c]!;
    if (t >= window) for (let c = 0; c < width; c++) sum[c]! -= values[(t - window) * width + c]!;
    if (t >= window - 1) for (let c = 0; c < width; c++) out[(t - window + 1) * width + c] = sum[c]! / window;
  }
  return out;
}

/** A [W*F][F] matrix that sums each feature over the window's readings times `weight` (for ONNX MatMul). */
export function windowPoolingMatrix(width: number, window: number, weight: number): Float64Array {
  const m = new Float64Array(width * window * width);
  for (let w = 0; w < window; w++) for (let c = 0; c < width; c++) m[(w * width + c) * width + c] = weight;
  return m;
}

/** Repeats a per-feature vector once per reading of the window ([F] -> [W*F]). */
export function tileVector(vector: readonly number[], window: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < window; w++) out.push(...vector);
  return out;
}

/** Rows [from, to) of a row-major matrix, copied. */
export function sliceRows(values: Float64Array, width: number, from: number, to: number): Float64Array {
  return values.slice(from * width, to * width);
}
