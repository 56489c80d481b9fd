import { timingSafeEqual } from 'node:crypto';
import { keyDigest, type Scope } from '../keys/key-format.js';
import type { StoredKey } from '../keys/key-file.js';

/** Who a valid key belongs to. */
export interface KeyIdentity {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

interface Entry extends KeyIdentity {
  readonly digest: Buffer;
}

/**
 * Checks presented API keys against the stored sha256 digests. The presented
 * key is hashed and compared with every stored digest by
 * crypto.timingSafeEqual, without stopping at a match, so the time taken says
 * nothing about which bytes or which key matched.
 */
export class ApiKeyVerifier {
  private entries: Entry[] = [];

  constructor(keys: readonly StoredKey[]) {
    this.replace(keys);
  }

  /** Number of keys accepted now. */
  get size(): number {
    return this.entries.length;
  }

  /** Swaps in a new set of keys (after the keys file changed). */
  replace(keys: readonly StoredKey[]): void {
    this.entries = keys.map((k) => ({
      name: k.name,
      scopes: new Set(k.scopes),
      digest: Buffer.from(k.sha256, 'hex'),
    }));
  }

  /** The key's owner, or null for a missing or unknown key. */
  verify(presented: string | string[] | undefined): KeyIdentity | null {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return null;
    const digest = keyDigest(presented);
    let found: Entry | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && found === null) found = entry;
    }
    return found;
  }
}
