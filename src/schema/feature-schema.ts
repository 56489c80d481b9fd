import { z } from 'zod';

/**
 * A feature schema is the single source of truth for what a reading is:
 * row validation (zod and the fast row validator), the model's input order
 * (the order of `features`), and the generated docs.
 */
export const featureSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case, starting with a letter'),
    unit: z.string().max(32),
    min: z.number().finite(),
    max: z.number().finite(),
    description: z.string().max(500).default(''),
    /** Other column names accepted in input files (e.g. SKAB's "Accelerometer1RMS"). */
    aliases: z.array(z.string().min(1).max(100)).default([]),
  })
  .strict()
  .refine((f) => f.min < f.max, { message: 'min must be below max' });

export const featureSchemaSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/),
    description: z.string().max(1000).default(''),
    features: z.array(featureSpecSchema).min(1).max(256),
    /** Column names accepted for the timestamp besides "timestamp". */
    timestampAliases: z.array(z.string().min(1)).default([]),
    /**
     * When the input has no machine_id column (e.g. SKAB), readings get this id.
     * Null means machine_id is required.
     */
    defaultMachineId: z.string().min(1).max(50).nullable().default(null),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>(['timestamp', 'machine_id']);
    for (const f of s.features) {
      for (const key of [f.name, ...f.aliases]) {
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', message: `column name "${key}" is used twice`, path: ['features'] });
        }
        seen.add(key);
      }
    }
  });

export type FeatureSpec = z.output<typeof featureSpecSchema>;
export type FeatureSchema = z.output<typeof featureSchemaSchema>;
export type FeatureSchemaInput = z.input<typeof featureSchemaSchema>;

export const MACHINE_ID_MAX_LENGTH = 50;

export function featureNames(schema: FeatureSchema): string[] {
  return schema.features.map((f) => f.name);
}
