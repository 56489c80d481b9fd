import { z } from 'zod';
import { DETECTOR_KINDS } from '../detectors/detector-kinds.js';
import { DEFAULT_DETECTOR } from '../detectors/fit-detector.js';
import type { ApiSchemas } from './api-schemas.js';
import { baselineResponseSchema, machineInfoSchema, machineListSchema } from './machine-api-schemas.js';

/** What the docs say about the baseline route's limits. */
export interface MachineDocsInfo {
  maxBaselineReadings: number;
  baselineBodyLimitBytes: number;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const requestId = { $ref: '#/components/parameters/RequestId' };
const machineIdParameter = {
  name: 'machine_id',
  in: 'path',
  required: true,
  description: 'The machine (1..50 characters, percent-encoded in the path)',
  schema: { type: 'string', minLength: 1, maxLength: 50 },
};

function response(description: string, schema: string) {
  return {
    description,
    headers: { 'X-Request-ID': { $ref: '#/components/headers/RequestId' } },
    content: json(schema),
  };
}

const ERRORS: Record<number, string> = {
  400: 'Malformed JSON or empty body',
  404: 'The machine has no model of its own',
  409: 'Too many machine models, or several worker processes (fit offline instead)',
  413: 'Body larger than the limit of this route',
  415: 'Content-Type is not application/json',
  422: 'Invalid baseline, machine_id or detector; or a stored model with other features',
  500: 'Unexpected error (logged with the request id)',
  503: 'Model not loaded yet, shutting down, or the machine’s stored model could not be loaded',
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), response(ERRORS[s] ?? 'Error', 'ErrorResponse')]));

/**
 * Registers the /machines schemas in the OpenAPI document's registry and returns the
 * document's /machines paths.
 */
export function machineDocs(
  registry: z.core.$ZodRegistry<{ id: string }>,
  schemas: Pick<ApiSchemas, 'reading'>,
  info: MachineDocsInfo,
): Record<string, unknown> {
  const baselineRequest = z
    .strictObject({
      readings: z
        .array(
          schemas.reading.extend({
            machine_id: z.string().optional().meta({ description: "The path's machine_id, or absent" }),
          }),
        )
        .min(1)
        .max(info.maxBaselineReadings)
        .meta({ description: `1..${info.maxBaselineReadings} readings of the machine's normal operation` }),
      detector: z
        .enum(DETECTOR_KINDS)
        .optional()
        .meta({ description: `The detector to fit (also a query parameter); ${DEFAULT_DETECTOR} when absent` }),
    })
    .meta({ description: "A machine's baseline: readings of its normal operation to fit its own model on" });
  registry.add(baselineRequest, { id: 'MachineBaseline' });
  registry.add(baselineResponseSchema, { id: 'MachineBaselineResult' });
  registry.add(machineInfoSchema, { id: 'MachineInfo' });
  registry.add(machineListSchema, { id: 'MachineList' });
  const tags = ['Machines'];
  return {
    '/machines': {
      get: {
        tags,
        summary: 'Every machine with a model of its own',
        responses: { 200: response('The machines', 'MachineList'), ...errors(503) },
      },
    },
    '/machines/{machine_id}': {
      get: {
        tags,
        summary: "A machine's own model",
        parameters: [machineIdParameter, requestId],
        responses: { 200: response('The model', 'MachineInfo'), ...errors(404, 422, 503) },
      },
    },
    '/machines/{machine_id}/baseline': {
      post: {
        tags,
        summary: 'Fit a model of its own for a machine from its normal operation',
        description:
          `At most ${info.maxBaselineReadings} readings in at most ${info.baselineBodyLimitBytes} bytes (this route only). ` +
          "The readings are replayed through the new model, so the machine's next reading is scored at once; " +
          'the model replaces any earlier one of the machine and is saved to the machines folder when the server has one.',
        parameters: [
          machineIdParameter,
          {
            name: 'detector',
            in: 'query',
            required: false,
            description: `The detector to fit; ${DEFAULT_DETECTOR} when absent`,
            schema: { type: 'string', enum: [...DETECTOR_KINDS] },
          },
          requestId,
        ],
        requestBody: { required: true, content: json('MachineBaseline') },
        responses: {
          200: response('The model now scoring the machine', 'MachineBaselineResult'),
          ...errors(400, 409, 413, 415, 422, 500, 503),
        },
      },
    },
  };
}
