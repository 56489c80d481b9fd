import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ImindError, describeError } from '../errors.js';
import { KEY_NAME, SCOPES } from './key-format.js';

/** One key as stored: never the key itself, only its sha256 digest. */
export interface StoredKey {
  name: string;
  scopes: (typeof SCOPES)[number][];
  /** Hex sha256 of the key's text. */
  sha256: string;
  /** When it was added (ISO-8601, UTC). */
  created: string;
  /** The key's first characters (`imk_AbCd…`), to tell keys apart in `keys list`. */
  hint: string;
}

const storedKeySchema = z.strictObject({
  name: z.string().regex(KEY_NAME),
  scopes: z.array(z.enum(SCOPES)).min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string().max(40),
  hint: z.string().max(16),
});

const keyFileSchema = z.strictObject({ version: z.literal(1), keys: z.array(storedKeySchema) });

/** Largest keys file read (a million keys would be far larger than anyone needs). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** The keys in the file; [] when the file does not exist. Throws ImindError (exit 5) when it cannot be used. */
export async function readKeyFile(path: string): Promise<StoredKey[]> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new ImindError('input_unreadable', `cannot read the keys file ${path}: it is a folder`);
    if (info.size > MAX_FILE_BYTES) throw new ImindError('input_malformed', `the keys file ${path} is too large`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ImindError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    const reason = code === 'EACCES' ? 'permission denied' : describeError(error);
    throw new ImindError('input_unreadable', `cannot read the keys file ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed(path, 'it is not JSON');
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw malformed(path, `${issue.path.join('.') || 'the document'}: ${issue.message}`);
  }
  const names = new Set<string>();
  for (const key of parsed.data.keys) {
    if (names.has(key.name)) throw malformed(path, `the name ${key.name} appears twice`);
    names.add(key.name);
  }
  return parsed.data.keys;
}

function malformed(path: string, why: string): ImindError {
  return new ImindError('input_malformed', `the keys file ${path} is malformed (${why})`, {
    hint: 'manage it with `imind keys add/list/revoke`, or move it away to start over',
  });
}

/**
 * Writes the keys file atomically with mode 0600: a temporary file beside it
 * (created 0600, fsynced) renamed over it, so a reader sees the old file or
 * the new one, never half of one, and no other user can read the digests.
 */
export async function writeKeyFile(path: string, keys: readonly StoredKey[]): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const text = `${JSON.stringify({ version: 1, keys }, null, 2)}\n`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600); // whatever the umask
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new ImindError('output_unwritable', `cannot write the keys file ${path}: ${describeError(error)}`);
  }
}

const LOCK_WAIT_MS = 5_000;
const STALE_LOCK_MS = 30_000;

/**
 * Runs `fn` holding `<path>.lock` (created exclusively), so two `imind keys`
 * commands at once cannot lose each other's change. A lock older than 30 s
 * (a killed command) is taken over.
 */
export async function withKeyFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new ImindError('output_unwritable', `cannot lock the keys file ${path}: ${describeError(error)}`);
      }
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await unlink(lock).catch(() => undefined);
      else if (Date.now() - started > LOCK_WAIT_MS) {
        throw new ImindError('output_unwritable', `the keys file ${path} is locked by another imind keys command`, {
          hint: `if none is running, delete ${lock}`,
        });
      } else await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
