import { Writable } from 'node:stream';
import { writeSimulation, type SimulationFormat, type SimulationOptions } from '../../src/simulate/index.js';

/** Runs writeSimulation into memory and returns the text. */
export async function simulateText(
  options: Partial<SimulationOptions>,
  format: SimulationFormat = 'csv',
): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  await writeSimulation(options, format, sink);
  return chunks.join('');
}
