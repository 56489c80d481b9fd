import { reading, type Req } from './server-fixtures.js';

/** The error cases of the API, run in memory (inject) and over TCP: each has its clear status and code. */
export interface ErrorCase {
  name: string;
  req: Req;
  status: number;
  code: string;
  /** The field path the 422 must name, when there is one. */
  path?: string;
  allow?: string;
}

const json = 'application/json';
const batchOf = (n: number) => ({ readings: Array.from({ length: n }, () => reading()) });
const eighth = batchOf(10);
(eighth.readings[7] as Record<string, unknown>).pressure = 150;

export const ERROR_CASES: ErrorCase[] = [
  {
    name: 'malformed JSON',
    req: { method: 'POST', url: '/predict', headers: { 'content-type': json }, body: '{"timestamp": ' },
    status: 400,
    code: 'malformed_json',
  },
  {
    name: 'a bare NaN token (not JSON)',
    req: {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': json },
      body: JSON.stringify(reading()).replace('65.5', 'NaN'),
    },
    status: 400,
    code: 'malformed_json',
  },
  {
    name: 'empty body',
    req: { method: 'POST', url: '/predict', headers: { 'content-type': json }, body: '' },
    status: 400,
    code: 'empty_body',
  },
  {
    name: 'whitespace-only body',
    req: { method: 'POST', url: '/predict', headers: { 'content-type': json }, body: '  \n' },
    status: 400,
    code: 'empty_body',
  },
  {
    name: 'form content type',
    req: {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'text/plain JSON',
    req: {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(reading()),
    },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON in latin-1',
    req: {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      body: JSON.stringify(reading()),
    },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: '1e309 (Infinity after JSON.parse)',
    req: {
      method: 'POST',
      url: '/predict',
      body: JSON.stringify(reading()).replace('65.5', '1e309'),
      headers: { 'content-type': json },
    },
    status: 422,
    code: 'validation_failed',
    path: 'temperature',
  },
  {
    name: 'an unknown field',
    req: { method: 'POST', url: '/predict', body: reading({ humidity: 40 }) },
    status: 422,
    code: 'validation_failed',
    path: 'humidity',
  },
  {
    name: 'a missing field',
    req: { method: 'POST', url: '/predict', body: { ...reading(), power: undefined } },
    status: 422,
    code: 'validation_failed',
    path: 'power',
  },
  {
    name: 'out of range',
    req: { method: 'POST', url: '/predict', body: reading({ pressure: 150 }) },
    status: 422,
    code: 'validation_failed',
    path: 'pressure',
  },
  {
    name: 'a string for a number',
    req: { method: 'POST', url: '/predict', body: reading({ vibration: '2.5' }) },
    status: 422,
    code: 'validation_failed',
    path: 'vibration',
  },
  {
    name: 'a timestamp a day ahead',
    req: {
      method: 'POST',
      url: '/predict',
      body: reading({ timestamp: new Date(Date.now() + 86_400_000).toISOString() }),
    },
    status: 422,
    code: 'validation_failed',
    path: 'timestamp',
  },
  {
    name: 'not a timestamp',
    req: { method: 'POST', url: '/predict', body: reading({ timestamp: '15/01/2024 10:30' }) },
    status: 422,
    code: 'validation_failed',
    path: 'timestamp',
  },
  {
    name: 'machine_id too long',
    req: { method: 'POST', url: '/predict', body: reading({ machine_id: 'M'.repeat(51) }) },
    status: 422,
    code: 'validation_failed',
    path: 'machine_id',
  },
  {
    name: 'a JSON array instead of an object',
    req: { method: 'POST', url: '/predict', body: [reading()] },
    status: 422,
    code: 'validation_failed',
    path: '',
  },
  {
    name: 'batch: readings.7.pressure out of range',
    req: { method: 'POST', url: '/predict/batch', body: eighth },
    status: 422,
    code: 'validation_failed',
    path: 'readings.7.pressure',
  },
  {
    name: 'batch: empty',
    req: { method: 'POST', url: '/predict/batch', body: { readings: [] } },
    status: 422,
    code: 'validation_failed',
    path: 'readings',
  },
  {
    name: 'batch: 1001 readings',
    req: { method: 'POST', url: '/predict/batch', body: batchOf(1001) },
    status: 422,
    code: 'validation_failed',
    path: 'readings',
  },
  {
    name: 'batch: an unknown top-level field',
    req: { method: 'POST', url: '/predict/batch', body: { ...batchOf(1), model: 'x' } },
    status: 422,
    code: 'validation_failed',
    path: 'model',
  },
  {
    name: 'batch: not an object in readings',
    req: { method: 'POST', url: '/predict/batch', body: { readings: [reading(), 'x'] } },
    status: 422,
    code: 'validation_failed',
    path: 'readings.1',
  },
  {
    name: 'deeply nested JSON (100k levels) in a field',
    req: {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': json },
      body: JSON.stringify(reading()).replace('65.5', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    },
    status: 422,
    code: 'validation_failed',
    path: 'temperature',
  },
  {
    name: 'deeply nested JSON (100k levels) as the batch',
    req: {
      method: 'POST',
      url: '/predict/batch',
      headers: { 'content-type': json },
      body: `{"readings":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    },
    status: 422,
    code: 'validation_failed',
    path: 'readings.0',
  },
  { name: 'unknown path', req: { url: '/predict/single' }, status: 404, code: 'not_found' },
  {
    name: 'unknown path (POST)',
    req: { method: 'POST', url: '/v2/predict', body: reading() },
    status: 404,
    code: 'not_found',
  },
  { name: 'GET on a POST route', req: { url: '/predict' }, status: 405, code: 'method_not_allowed', allow: 'POST' },
  {
    name: 'DELETE on a GET route',
    req: { method: 'DELETE', url: '/health' },
    status: 405,
    code: 'method_not_allowed',
    allow: 'GET, HEAD',
  },
  {
    name: 'CORS preflight (CORS is closed)',
    req: {
      method: 'OPTIONS',
      url: '/predict',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' },
    },
    status: 405,
    code: 'method_not_allowed',
    allow: 'POST',
  },
];
