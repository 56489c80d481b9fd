import { DEFAULT_DETECTOR, isDetectorKind, type DetectorKind } from '../detectors/fit-detector.js';
import { DETECTOR_KINDS } from '../detectors/detector-kinds.js';
import type { Reading } from '../schema/reading.js';
import { defaultValidationOptions, machineIdProblem } from '../schema/validation-options.js';
import { apiSchemas } from './api-schemas.js';
import { HttpError, type ValidationIssue } from './http-error.js';
import { checkBodyHeaders, readJsonBody } from './read-body.js';
import { RequestValidator } from './request-validator.js';
import { send } from './respond.js';
import type { Context, Routes } from './routes.js';
import type { ScoringService } from './scoring-service.js';
import type { ServerSettings } from './settings.js';

interface Deps {
  /** The ready scoring service (throws 503 while loading or shutting down). */
  service: () => ScoringService;
  settings: ServerSettings;
}

const MAX_ISSUES = 50;

/**
 * GET /machines, GET /machines/{machine_id}, POST /machines/{machine_id}/baseline.
 * The baseline route takes up to settings.maxBaselineReadings readings in a body of up
 * to settings.baselineBodyLimitBytes (this route only), validated like /predict/batch.
 */
export function addMachineRoutes(routes: Routes, { service, settings }: Deps): void {
  const validators = new WeakMap<ScoringService, RequestValidator>();
  const baselineValidator = (s: ScoringService): RequestValidator => {
    let validator = validators.get(s);
    if (!validator) {
      const options = defaultValidationOptions({ clockSkewMs: settings.clockSkewMs, now: settings.now });
      const schemas = apiSchemas(s.model.schema, options, settings.maxBaselineReadings);
      validator = new RequestValidator(s.model.schema, options, settings.maxBaselineReadings, schemas);
      validators.set(s, validator);
    }
    return validator;
  };

  routes.set('/machines', {
    GET: (ctx) => {
      const { machines, unavailable } = service().machines.list();
      const body = { machines, unavailable, count: machines.length, persistent: settings.machinesDir !== null };
      send(ctx.res, 200, JSON.stringify(body), ctx.id, ctx.extra);
    },
  });
  routes.set('/machines/{machine_id}', {
    GET: (ctx) => {
      const s = service();
      const info = s.machines.info(machineIdOf(ctx));
      send(ctx.res, 200, JSON.stringify(info), ctx.id, ctx.extra);
    },
  });
  routes.set('/machines/{machine_id}/baseline', {
    POST: async (ctx) => {
      const s = service();
      const machineId = machineIdOf(ctx);
      checkBodyHeaders(ctx.req, settings.baselineBodyLimitBytes);
      const { maxJsonDepth: maxDepth, maxJsonStringChars: maxStringChars } = settings.hardening;
      const body = await readJsonBody(ctx.req, settings.baselineBodyLimitBytes, { maxDepth, maxStringChars });
      ctx.bodyDone = true;
      const { detector, request } = splitDetector(body, queryDetector(ctx));
      fillMachineId(request, machineId);
      const readings = baselineValidator(s).batch(request);
      checkMachineIds(readings, machineId);
      // Answered already (the request deadline passed) or the client left: the fit is abandoned, nothing changes.
      const wanted = () => !ctx.res.headersSent && !ctx.res.destroyed;
      const outcome = await s.machines.fit(machineId, readings, detector, wanted);
      const answer = {
        ...outcome.machine,
        replaced: outcome.replaced,
        fit_ms: Math.round(outcome.fitMs * 1000) / 1000,
      };
      send(ctx.res, 200, JSON.stringify(answer), ctx.id, ctx.extra);
    },
  });
}

/** The machine_id path parameter, percent-decoded and checked like a reading's machine_id. */
function machineIdOf(ctx: Context): string {
  const raw = ctx.params?.machine_id ?? '';
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw invalid('machine_id', 'in the path is not valid percent-encoding');
  }
  const problem = machineIdProblem(id);
  if (problem) throw invalid('machine_id', `in the path ${problem}`);
  return id;
}

function queryDetector(ctx: Context): string | null {
  const url = ctx.req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('detector');
}

/** Takes the optional `detector` field out of the body (it may also come as a query parameter). */
function splitDetector(body: unknown, fromQuery: string | null): { detector: DetectorKind; request: unknown } {
  let request = body;
  let fromBody: unknown;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'detector' in body) {
    const { detector: named, ...rest } = body as Record<string, unknown>;
    fromBody = named;
    request = rest;
  }
  if (fromBody !== undefined && typeof fromBody !== 'string')
    throw invalid('detector', `must be one of ${DETECTOR_KINDS.join(', ')}`);
  if (fromBody !== undefined && fromQuery !== null && fromBody !== fromQuery)
    throw invalid(
      'detector',
      `is ${JSON.stringify(fromBody)} in the body but ${JSON.stringify(fromQuery)} in the query`,
    );
  const name = fromBody ?? fromQuery ?? DEFAULT_DETECTOR;
  if (!isDetectorKind(name))
    throw invalid('detector', `is ${JSON.stringify(name.slice(0, 40))}; use one of ${DETECTOR_KINDS.join(', ')}`);
  return { detector: name, request };
}

/** Readings may omit machine_id: they are the path's machine's. */
function fillMachineId(request: unknown, machineId: string): void {
  if (request === null || typeof request !== 'object') return;
  const readings = (request as { readings?: unknown }).readings;
  if (!Array.isArray(readings)) return;
  for (const item of readings) {
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && !('machine_id' in item))
      (item as Record<string, unknown>).machine_id = machineId;
  }
}

function checkMachineIds(readings: readonly Reading[], machineId: string): void {
  const issues: ValidationIssue[] = [];
  let count = 0;
  readings.forEach((r, i) => {
    if (r.machineId === machineId) return;
    count++;
    if (issues.length < MAX_ISSUES)
      issues.push({
        path: `readings.${i}.machine_id`,
        message: `is ${JSON.stringify(r.machineId)}, but this is the baseline of ${JSON.stringify(machineId)} (give that id or none)`,
      });
  });
  if (count === 0) return;
  const first = issues[0]!;
  const more = count > 1 ? ` (and ${count - 1} more ${count === 2 ? 'reading' : 'readings'})` : '';
  throw new HttpError('validation_failed', `${first.path} ${first.message}${more}`, { issues });
}

function invalid(path: string, message: string): HttpError {
  return new HttpError('validation_failed', `${path} ${message}`, { issues: [{ path, message }] });
}
