import { ImindError, describeError } from '../errors.js';
import type { HealthStatus } from './api-schemas.js';
import { ScoringService, type ScoringModel } from './scoring-service.js';
import type { ServerSettings } from './settings.js';

export type ModelPhase = 'loading' | 'ready' | 'failed';

/**
 * Live vs ready: the app answers from the start; it is ready once the model
 * has loaded and one test score succeeded. A failed load leaves it live and
 * not ready, with the reason kept for logs and /health.
 */
export class ModelState {
  phase: ModelPhase = 'loading';
  service: ScoringService | null = null;
  failure: string | null = null;
  shuttingDown = false;
  readonly startedAt: number;
  /** Resolves when ready; rejects with the load or self-test error. */
  readonly settled: Promise<ScoringService>;

  constructor(source: ScoringModel | Promise<ScoringModel>, settings: ServerSettings) {
    this.startedAt = performance.now();
    this.settled = (async () => {
      let model: ScoringModel | null = null;
      try {
        model = await source;
        const service = new ScoringService(model, settings);
        await service.selfTest();
        await service.machines.loadStored();
        this.service = service;
        this.phase = 'ready';
        return service;
      } catch (error) {
        this.phase = 'failed';
        // An ImindError after the load is the machines folder's (unreadable): it says so itself.
        this.failure =
          model && !(error instanceof ImindError)
            ? `model self-test failed: ${describeError(error)}`
            : describeError(error);
        if (model) await model.dispose().catch(() => undefined);
        throw error;
      }
    })();
    // The app reports failures through /health and its logger; nobody has to await this.
    this.settled.catch(() => undefined);
  }

  get ready(): boolean {
    return this.phase === 'ready' && !this.shuttingDown;
  }

  get healthStatus(): HealthStatus {
    if (this.shuttingDown) return 'shutting_down';
    return this.phase === 'ready' ? 'healthy' : this.phase === 'loading' ? 'loading' : 'model_unavailable';
  }

  uptimeSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Releases the model (after in-flight requests are done). */
  async dispose(): Promise<void> {
    const service = this.service;
    this.service = null;
    if (service) {
      await service.machines.dispose();
      await service.model.dispose();
    }
  }
}
