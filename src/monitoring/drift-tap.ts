import type { Reading } from '../schema/reading.js';
import type { DriftTracker } from './drift.js';

/** A read batch as the drift tap needs it: readings by column (the file pipeline) or as objects. */
export interface TappableBatch {
  readonly columns?: { readonly values: ArrayLike<number>; readonly count: number; readonly width: number };
  readonly readings?: readonly Reading[];
}

/**
 * Passes batches through unchanged, adding every valid reading's feature
 * values to the drift tracker on the way (from the value columns when the
 * batch has them, so no reading object is made).
 */
export async function* tapDrift<B extends TappableBatch>(
  batches: AsyncIterable<B>,
  drift: DriftTracker,
): AsyncGenerator<B> {
  for await (const batch of batches) {
    const columns = batch.columns;
    if (columns) drift.addRows(columns.values, columns.count, columns.width);
    else for (const r of batch.readings ?? []) drift.add(r.values);
    yield batch;
  }
}
