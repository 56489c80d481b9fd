import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { readKeyFile } from '../keys/key-file.js';
import { watchKeyFile } from '../keys/key-watch.js';
import { describeError } from '../errors.js';
import { ApiKeyVerifier } from './auth-keys.js';

export interface ServerKeys {
  /** null: the server runs open (the keys file held no key at start). */
  verifier: ApiKeyVerifier | null;
  /** Stops watching the keys file. */
  stop(): void;
}

/**
 * Reads the keys file at start (a file that cannot be read stops the server:
 * exit 5) and says whether the API is open or needs keys. When it holds keys,
 * the file is watched and changes apply within seconds (revoked keys stop
 * working). Whether the server runs open is decided here, once: if the file
 * later holds no key, every request that needs a key is refused until a
 * restart, rather than the API silently opening up.
 */
export async function loadServerKeys(path: string, logger: Logger): Promise<ServerKeys> {
  const keys = await readKeyFile(path);
  if (keys.length === 0) {
    logger.warn(
      { keys_file: path },
      `no API keys in ${path}: the API is open to every client that can reach it (add one with imind keys add NAME)`,
    );
    return { verifier: null, stop: () => undefined };
  }
  const verifier = new ApiKeyVerifier(keys);
  logger.info({ keys_file: path, keys: keys.length }, `API keys required (X-API-Key): ${keys.length} in ${path}`);
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => 0,
  );
  if ((mode & 0o077) !== 0) {
    logger.warn(
      { keys_file: path, mode: mode.toString(8) },
      `the keys file ${path} can be read by other users: chmod 600 it`,
    );
  }
  const stop = watchKeyFile(
    path,
    (fresh) => {
      verifier.replace(fresh);
      if (fresh.length === 0) {
        logger.warn(
          { keys_file: path },
          'the keys file holds no key now: requests that need a key are refused until the server restarts (then it runs open)',
        );
      } else logger.info({ keys_file: path, keys: fresh.length }, `API keys reloaded: ${fresh.length}`);
    },
    (error) =>
      logger.error(
        { keys_file: path, reason: describeError(error) },
        'cannot reload the keys file; keeping the keys read before',
      ),
  );
  return { verifier, stop };
}
