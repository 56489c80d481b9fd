import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions } from './parse-options.js';

const keysFileHelp = 'the keys file [env: IMIND_API_KEYS_FILE] (default: ./imind-keys.json)';

const addSchema = z.object({
  name: z.string(),
  scopes: z.string().default('predict'),
  keysFile: z.string().optional(),
});
const listSchema = z.object({ json: z.boolean().default(false), keysFile: z.string().optional() });
const revokeSchema = z.object({ name: z.string(), keysFile: z.string().optional() });
export type KeysAddOptions = z.output<typeof addSchema>;
export type KeysListOptions = z.output<typeof listSchema>;
export type KeysRevokeOptions = z.output<typeof revokeSchema>;

/** `imind keys add|list|revoke`: the API keys `imind serve` accepts. */
export function keysCommand(): Command {
  const keys = new Command('keys')
    .description('manage the API keys of imind serve (the keys file keeps only their sha256 digests)')
    .addHelpText(
      'after',
      `
While the keys file holds a key, imind serve asks every request for one in the
X-API-Key header (401 without a valid key, 403 without the route's scope);
/health, /ready, /metrics and the docs stay open. Without keys it runs open.
Scopes: predict (POST /predict, /predict/batch, GET /machines/...) and admin
(POST /machines/{id}/baseline and anything that changes models).
A running server re-reads the file within seconds of a change.

Examples:
  imind keys add ci-runner --scopes predict
  imind keys add ops --scopes predict,admin --keys-file /etc/imind/keys.json
  imind keys list
  imind keys revoke ci-runner`,
    );
  keys
    .command('add')
    .description('add a key and print it once, alone on the last line of stdout')
    .argument('<name>', 'a name for the key (1..64 of A-Z a-z 0-9 . _ -)')
    .option('--scopes <list>', 'what it may do: predict, admin, or predict,admin', 'predict')
    .option('--keys-file <path>', keysFileHelp)
    .action(async (name: string, raw: Record<string, unknown>) => {
      const options = parseOptions(addSchema, { ...raw, name });
      const { runKeysAdd } = await import('./keys-action.js');
      process.exitCode = await runKeysAdd(options);
    });
  keys
    .command('list')
    .description('list the keys: name, scopes, when added, first characters (never the key)')
    .option('--json', 'print a JSON array instead of a table')
    .option('--keys-file <path>', keysFileHelp)
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(listSchema, raw);
      const { runKeysList } = await import('./keys-action.js');
      process.exitCode = await runKeysList(options);
    });
  keys
    .command('revoke')
    .description('remove a key (a running server refuses it within seconds)')
    .argument('<name>', 'the name given to `keys add`')
    .option('--keys-file <path>', keysFileHelp)
    .action(async (name: string, raw: Record<string, unknown>) => {
      const options = parseOptions(revokeSchema, { ...raw, name });
      const { runKeysRevoke } = await import('./keys-action.js');
      process.exitCode = await runKeysRevoke(options);
    });
  return keys;
}
