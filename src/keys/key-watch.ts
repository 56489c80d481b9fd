import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readKeyFile, type StoredKey } from './key-file.js';

/**
 * Polls the keys file (every `intervalMs`, without keeping the process alive)
 * and calls `onKeys` with its keys after each change, so `imind keys add` and
 * `revoke` take effect on a running server within seconds. A file that cannot
 * be read goes to `onError` (the caller keeps the keys it has). Returns a stop
 * function.
 */
export function watchKeyFile(
  path: string,
  onKeys: (keys: StoredKey[]) => void,
  onError: (error: unknown) => void,
  intervalMs = 2_000,
): () => void {
  let reading: Promise<void> = Promise.resolve();
  const listener = (current: Stats, previous: Stats): void => {
    if (
      current.mtimeMs === previous.mtimeMs &&
      current.ino === previous.ino &&
      current.size === previous.size &&
      current.nlink === previous.nlink
    )
      return;
    reading = reading.then(() => readKeyFile(path).then(onKeys, onError));
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
