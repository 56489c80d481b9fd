import type { Logger } from 'pino';
import type { ScoringService } from './scoring-service.js';
import type { ServerSettings } from './settings.js';

/** Says at start where machine models live and which stored ones could not be used. */
export function logMachines(logger: Logger, service: ScoringService, settings: ServerSettings): void {
  const dir = settings.machinesDir;
  if (dir === null) {
    // With several workers the primary has said why the baseline route is refused.
    if (settings.workers > 1) return;
    logger.info(
      'no machines folder (--machines-dir): machine models fitted with POST /machines/{machine_id}/baseline live in memory only and are lost at restart',
    );
    return;
  }
  const { loaded, problems } = service.machines.loadReport;
  logger.info(
    { machines_dir: dir, machines: loaded },
    `${loaded} machine model${loaded === 1 ? '' : 's'} loaded from ${dir}`,
  );
  for (const p of problems) {
    logger.error(
      { machine_id: p.machineId, reason: p.message },
      `the stored model of machine ${JSON.stringify(p.machineId)} cannot be used: ${p.message}`,
    );
  }
}
