import { fileURLToPath } from 'node:url';

/** The shipped model (models/default in the package), unless IMIND_MODEL names another. */
export function defaultModelPath(): string {
  return process.env.IMIND_MODEL || fileURLToPath(new URL('../../models/default', import.meta.url));
}
