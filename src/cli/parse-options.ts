import type { z } from 'zod';
import { ImindError } from '../errors.js';

/** Validates a command's parsed flags with its zod schema; a bad value is a usage error naming the flag. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = issue.path.map((p) => `--${String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(' ');
  throw new ImindError('usage', `invalid value for ${flag || 'options'}: ${issue.message}`);
}
