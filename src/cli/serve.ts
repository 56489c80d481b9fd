import { Command } from 'commander';

// TEMPORARY stub (written by the simulator helper so bin/imind runs); the lead replaces it.
export function serveCommand(): Command {
  return new Command('serve').description('(not implemented yet)');
}
