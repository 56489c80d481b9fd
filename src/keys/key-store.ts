import { ImindError } from '../errors.js';
import { checkKeyName, generateApiKey, keyDigest, keyHint, type Scope } from './key-format.js';
import { readKeyFile, withKeyFileLock, writeKeyFile, type StoredKey } from './key-file.js';

export type { StoredKey } from './key-file.js';

/** Where the keys live when neither --keys-file nor IMIND_API_KEYS_FILE says: the current folder. */
export const DEFAULT_KEYS_FILE = 'imind-keys.json';

/** The keys file: the flag, else IMIND_API_KEYS_FILE, else ./imind-keys.json. */
export function keysFilePath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.IMIND_API_KEYS_FILE || DEFAULT_KEYS_FILE;
}

/** Adds a key; returns the key's text, which exists nowhere else afterwards (only its digest is stored). */
export async function addKey(
  path: string,
  name: string,
  scopes: readonly Scope[],
  now: () => Date = () => new Date(),
): Promise<{ key: string; entry: StoredKey }> {
  checkKeyName(name);
  return withKeyFileLock(path, async () => {
    const keys = await readKeyFile(path);
    if (keys.some((k) => k.name === name)) {
      throw new ImindError('usage', `a key named ${name} exists already`, {
        hint: `revoke it first (imind keys revoke ${name}) or pick another name`,
      });
    }
    const key = generateApiKey();
    const entry: StoredKey = {
      name,
      scopes: [...scopes],
      sha256: keyDigest(key).toString('hex'),
      created: now().toISOString(),
      hint: keyHint(key),
    };
    await writeKeyFile(path, [...keys, entry]);
    return { key, entry };
  });
}

export async function listKeys(path: string): Promise<StoredKey[]> {
  return readKeyFile(path);
}

/** Removes the key called `name`; a name that is not there is a usage error. */
export async function revokeKey(path: string, name: string): Promise<StoredKey> {
  checkKeyName(name);
  return withKeyFileLock(path, async () => {
    const keys = await readKeyFile(path);
    const found = keys.find((k) => k.name === name);
    if (!found) {
      throw new ImindError('usage', `no key named ${name} in ${path}`, { hint: 'imind keys list shows the names' });
    }
    await writeKeyFile(
      path,
      keys.filter((k) => k !== found),
    );
    return found;
  });
}
