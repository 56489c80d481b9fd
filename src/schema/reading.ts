/** A validated reading: what every reader yields and every scorer consumes. */
export interface Reading {
  /** 1-based data row number in the source (header excluded), or index+1 in a request batch. */
  row: number;
  /** Epoch milliseconds, UTC. */
  timestamp: number;
  machineId: string;
  /** Feature values in the schema's order. */
  values: Float64Array;
}

/** A row that failed validation, named by row and field. */
export interface RowError {
  row: number;
  /** The field at fault (schema name), or null for a whole-row problem. */
  field: string | null;
  message: string;
}
