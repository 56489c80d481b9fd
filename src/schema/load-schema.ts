import { readFile } from 'node:fs/promises';
import { ImindError, describeError } from '../errors.js';
import { builtinSchemas } from './builtin-schemas.js';
import { featureSchemaSchema, type FeatureSchema } from './feature-schema.js';

/** Parses a schema object (from a JSON file or a model sidecar), with a clear message. */
export function parseSchema(value: unknown, source: string): FeatureSchema {
  const result = featureSchemaSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ImindError(
      'schema_invalid',
      `schema ${source} is invalid${where}: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  return result.data;
}

/** Resolves `--schema NAME|FILE`: a built-in name, or a path to a JSON schema file. */
export async function loadSchema(nameOrPath: string): Promise<FeatureSchema> {
  const builtin = builtinSchemas.get(nameOrPath);
  if (builtin) return builtin;
  if (!nameOrPath.endsWith('.json') && !nameOrPath.includes('/')) {
    throw new ImindError('usage', `unknown schema "${nameOrPath}"`, {
      hint: `use one of: ${[...builtinSchemas.keys()].join(', ')}, or a path to a JSON schema file`,
    });
  }
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (error) {
    throw new ImindError('input_unreadable', `cannot read schema file ${nameOrPath}: ${describeError(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImindError('schema_invalid', `schema file ${nameOrPath} is not valid JSON`);
  }
  return parseSchema(json, nameOrPath);
}
