import { z } from 'zod';

/** The zod schemas of the /machines routes (responses checked by tests; all shown in the OpenAPI document). */

export const machineInfoSchema = z
  .strictObject({
    machine_id: z.string(),
    detector: z.string().meta({ description: 'The detector of the machine model', example: 'level-shift' }),
    model_version: z.string(),
    window: z.number().int().min(1).meta({ description: 'Readings per model input (1 for pointwise models)' }),
    baseline_rows: z.number().int().min(0).meta({ description: 'Readings the model was fitted on' }),
    threshold: z.number().min(0),
    fitted_at: z.string().meta({
      description: 'When the model was fitted (for a model loaded at start: when its files were written)',
      example: '2024-01-15T10:30:00.000Z',
    }),
    persisted: z.boolean().meta({ description: 'True when the model is in the machines folder (survives a restart)' }),
  })
  .meta({ description: "A machine's own model" });

export const baselineResponseSchema = machineInfoSchema
  .extend({
    replaced: z.boolean().meta({ description: 'True when the machine had a model before' }),
    fit_ms: z.number().min(0).meta({ description: 'Time to fit, check, replay and save the model, in milliseconds' }),
  })
  .meta({ description: 'The model just fitted; it scores the machine from now on' });

export const machineListSchema = z
  .strictObject({
    machines: z.array(machineInfoSchema).meta({ description: 'By machine_id' }),
    unavailable: z
      .array(z.strictObject({ machine_id: z.string(), problem: z.string() }))
      .meta({ description: 'Machines whose stored model could not be used: their readings are refused' }),
    count: z.number().int().min(0),
    persistent: z.boolean().meta({ description: 'True when fitted models are saved to a machines folder' }),
  })
  .meta({ description: 'Every machine with a model of its own' });
