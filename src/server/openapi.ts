import { z } from 'zod';
import type { ApiSchemas } from './api-schemas.js';
import { machineDocs } from './machine-openapi.js';
import { DEFAULT_MACHINE_SETTINGS, type MachineSettings } from './machine-settings.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  modelVersion: string;
  features: readonly string[];
  bodyLimitBytes: number;
  /** The baseline route's limits (defaults: DEFAULT_MACHINE_SETTINGS). */
  machines?: Pick<MachineSettings, 'maxBaselineReadings' | 'baselineBodyLimitBytes'>;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
/** An API key, or none while the server runs open (it has no keys). */
const API_KEY = [{ ApiKey: [] }, {}];
const requestIdHeader = { 'X-Request-ID': { $ref: '#/components/headers/RequestId' } };

function response(description: string, schema: string) {
  return { description, headers: requestIdHeader, content: json(schema) };
}

function errors(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'Malformed JSON or empty body',
    401: 'The server has API keys and the X-API-Key header is missing or wrong',
    403: 'The API key lacks the scope this route needs',
    413: 'Body larger than the limit',
    429: 'This API key is over its rate (Retry-After says when to retry)',
    415: 'Content-Type is not application/json',
    422: 'Invalid reading: each field at fault is named in issues',
    500: 'Unexpected error (logged with the request id)',
    503: 'Model not loaded yet, shutting down, or at capacity (Retry-After)',
    504: 'Not answered within the request deadline',
  };
  return Object.fromEntries(statuses.map((s) => [String(s), response(text[s] ?? 'Error', 'ErrorResponse')]));
}

/** The OpenAPI 3.1 document, generated from the API's zod schemas. */
export function openApiDocument(schemas: ApiSchemas, info: OpenApiInfo): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  registry.add(schemas.reading, { id: 'SensorReading' });
  registry.add(schemas.batchRequest, { id: 'BatchSensorReadings' });
  registry.add(schemas.prediction, { id: 'AnomalyPrediction' });
  registry.add(schemas.batchPrediction, { id: 'BatchAnomalyPredictions' });
  registry.add(schemas.health, { id: 'HealthResponse' });
  registry.add(schemas.ready, { id: 'ReadyResponse' });
  registry.add(schemas.serviceInfo, { id: 'ServiceInfo' });
  registry.add(schemas.error, { id: 'ErrorResponse' });
  const machinePaths = machineDocs(registry, schemas, info.machines ?? DEFAULT_MACHINE_SETTINGS);
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  const components: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
    components[id] = rest;
  }
  const general = ['General'];
  const inference = ['Inference'];
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description:
        `Real-time anomaly detection for industrial sensor readings (model ${info.modelVersion}; features: ${info.features.join(', ')}).\n\n` +
        'Every error is `{"error", "detail", "request_id"}` (plus `issues` on 422). Bodies are JSON in UTF-8, at most ' +
        `${info.bodyLimitBytes} bytes. Timestamps are ISO-8601; without an offset they are UTC.\n\n` +
        'When the server has API keys, every route but /health, /ready, /metrics and these docs needs one in the ' +
        '`X-API-Key` header (scope `predict` to score and read machines, `admin` to fit them).',
    },
    paths: {
      '/': {
        get: {
          tags: general,
          summary: 'Service name, version and where the docs are',
          responses: { 200: response('Service info', 'ServiceInfo') },
        },
      },
      '/health': {
        get: {
          tags: general,
          summary: 'Liveness (200 while the process runs)',
          responses: { 200: response('Health', 'HealthResponse') },
        },
      },
      '/ready': {
        get: {
          tags: general,
          summary: 'Readiness (200 once the model is loaded and tested)',
          responses: { 200: response('Ready', 'ReadyResponse'), ...errors(503) },
        },
      },
      '/predict': {
        post: {
          tags: inference,
          summary: 'Score one reading',
          parameters: [{ $ref: '#/components/parameters/RequestId' }],
          requestBody: { required: true, content: json('SensorReading') },
          responses: {
            200: response('The anomaly decision', 'AnomalyPrediction'),
            ...errors(400, 401, 403, 413, 415, 422, 429, 500, 503, 504),
          },
          security: API_KEY,
        },
      },
      '/predict/batch': {
        post: {
          tags: inference,
          summary: 'Score a batch of readings in one model call',
          parameters: [{ $ref: '#/components/parameters/RequestId' }],
          requestBody: { required: true, content: json('BatchSensorReadings') },
          responses: {
            200: response('One decision per reading, in order', 'BatchAnomalyPredictions'),
            ...errors(400, 401, 403, 413, 415, 422, 429, 500, 503, 504),
          },
          security: API_KEY,
        },
      },
      ...machinePaths,
    },
    components: {
      schemas: components,
      parameters: {
        RequestId: {
          name: 'X-Request-ID',
          in: 'header',
          required: false,
          description: 'Your id for this request (1..128 of A-Z a-z 0-9 . _ -); otherwise the server makes one',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        },
      },
      headers: {
        RequestId: { description: 'The request id (yours if it was safe, else generated)', schema: { type: 'string' } },
      },
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'Needed once the server has keys (imind keys add NAME --scopes predict[,admin])',
        },
      },
    },
  };
}
