import { ExitCode, type ExitCodeValue } from '../errors.js';
import { parseScopes } from '../keys/key-format.js';
import { addKey, keysFilePath, listKeys, revokeKey } from '../keys/key-store.js';
import type { KeysAddOptions, KeysListOptions, KeysRevokeOptions } from './keys.js';

export async function runKeysAdd(options: KeysAddOptions): Promise<ExitCodeValue> {
  const path = keysFilePath(options.keysFile, process.env);
  const scopes = parseScopes(options.scopes);
  const { key, entry } = await addKey(path, options.name, scopes);
  process.stderr.write(
    `imind: added key ${entry.name} (scopes: ${entry.scopes.join(',')}) to ${path}\n` +
      'imind: it is shown once, on the next line of stdout: store it now (the file keeps only its sha256)\n',
  );
  process.stdout.write(`${key}\n`);
  return ExitCode.ok;
}

export async function runKeysList(options: KeysListOptions): Promise<ExitCodeValue> {
  const path = keysFilePath(options.keysFile, process.env);
  const keys = await listKeys(path);
  const rows = keys.map((k) => ({ name: k.name, scopes: k.scopes, created: k.created, hint: k.hint }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    process.stderr.write(`imind: no keys in ${path}: imind serve runs open (no key needed)\n`);
    return ExitCode.ok;
  }
  const table = [
    ['NAME', 'SCOPES', 'CREATED', 'KEY'],
    ...rows.map((r) => [r.name, r.scopes.join(','), r.created, r.hint]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table)
    process.stdout.write(
      `${row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  return ExitCode.ok;
}

export async function runKeysRevoke(options: KeysRevokeOptions): Promise<ExitCodeValue> {
  const path = keysFilePath(options.keysFile, process.env);
  const removed = await revokeKey(path, options.name);
  const left = (await listKeys(path)).length;
  process.stderr.write(
    `imind: revoked key ${removed.name} in ${path}; ${left} ${left === 1 ? 'key is' : 'keys are'} left` +
      (left === 0 ? ' (a running server keeps refusing requests until it restarts; then it runs open)' : '') +
      '\n',
  );
  return ExitCode.ok;
}
