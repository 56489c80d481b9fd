import { createHash, randomBytes } from 'node:crypto';
import { ImindError } from '../errors.js';

/** Every key starts with this, so a leaked one is easy to spot (and to scan for). */
export const KEY_PREFIX = 'imk_';

/** What a key may do: `predict` scores and reads machine info; `admin` fits machines and changes models. */
export const SCOPES = ['predict', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Key names: 1..64 of A-Z a-z 0-9 . _ -, starting with a letter or digit (safe in logs and file names). */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A new key: the prefix and 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The sha256 digest of a key's text: what the keys file stores and the server compares. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The part of a key shown by `keys list` to tell keys apart: the prefix and 4 characters. */
export function keyHint(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…`;
}

export function checkKeyName(name: string): string {
  if (!KEY_NAME.test(name)) {
    throw new ImindError('usage', `invalid key name ${JSON.stringify(name.slice(0, 80))}`, {
      hint: 'use 1..64 of A-Z a-z 0-9 . _ - (starting with a letter or digit), e.g. ci-runner',
    });
  }
  return name;
}

/** "predict,admin" → ['predict', 'admin'] (sorted, no repeats); an unknown scope is a usage error. */
export function parseScopes(text: string): Scope[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new ImindError('usage', 'give at least one scope', { hint: `scopes: ${SCOPES.join(', ')}` });
  for (const part of parts) {
    if (!(SCOPES as readonly string[]).includes(part)) {
      throw new ImindError('usage', `unknown scope ${JSON.stringify(part.slice(0, 40))}`, {
        hint: `scopes: ${SCOPES.join(', ')} (comma separated)`,
      });
    }
  }
  return SCOPES.filter((s) => parts.includes(s));
}
