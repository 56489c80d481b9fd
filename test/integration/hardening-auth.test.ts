import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImindError } from '../../src/errors.js';
import { readKeyFile } from '../../src/keys/key-file.js';
import { addKey, keysFilePath, listKeys, revokeKey } from '../../src/keys/key-store.js';
import { Model } from '../../src/model/model.js';
import { errorSchema } from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import { ApiKeyVerifier } from '../../src/server/auth-keys.js';
import { requiredAccess } from '../../src/server/auth-policy.js';
import { hardeningSettings } from '../../src/server/limits-settings.js';
import { assertCleanBody, fitTestModel, reading, viaInject } from './server-fixtures.js';

let dir: string;
let model: Model;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
});
afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the keys file', () => {
  it('stores only a sha256 of each key, mode 0600, written atomically (no temporary file left)', async () => {
    const path = join(dir, 'keys-a.json');
    const { key, entry } = await addKey(path, 'ci', ['predict']);
    expect(key).toMatch(/^imk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(8));
    expect(text).toContain(sha256(key));
    expect(entry).toMatchObject({ name: 'ci', scopes: ['predict'], sha256: sha256(key), hint: `${key.slice(0, 8)}…` });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const second = await addKey(path, 'ops', ['predict', 'admin']);
    expect(second.key).not.toBe(key);
    expect((await listKeys(path)).map((k) => [k.name, k.scopes])).toEqual([
      ['ci', ['predict']],
      ['ops', ['predict', 'admin']],
    ]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.includes('keys-a.json') && f !== 'keys-a.json')).toEqual([]);
  });

  it('revokes by name; refuses duplicates, unknown names, bad names and scopes with usage errors', async () => {
    const path = join(dir, 'keys-b.json');
    await addKey(path, 'one', ['predict']);
    await addKey(path, 'two', ['admin']);
    await expect(addKey(path, 'one', ['predict'])).rejects.toMatchObject({ code: 'usage' });
    await expect(addKey(path, 'has space', ['predict'])).rejects.toMatchObject({ code: 'usage' });
    await expect(revokeKey(path, 'three')).rejects.toMatchObject({ code: 'usage' });
    expect((await revokeKey(path, 'one')).name).toBe('one');
    expect((await listKeys(path)).map((k) => k.name)).toEqual(['two']);
  });

  it('treats a missing file as no keys and a malformed one as an input error (exit 5)', async () => {
    expect(await readKeyFile(join(dir, 'absent.json'))).toEqual([]);
    const bad = join(dir, 'bad.json');
    for (const text of ['{', '[]', '{"version":1,"keys":[{"name":"x"}]}', '{"version":2,"keys":[]}']) {
      await writeFile(bad, text);
      const error = await readKeyFile(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImindError);
      expect((error as ImindError).exitCode).toBe(5);
    }
    const twice = {
      version: 1,
      keys: [1, 2].map(() => ({ name: 'a', scopes: ['predict'], sha256: 'a'.repeat(64), created: '', hint: '' })),
    };
    await writeFile(bad, JSON.stringify(twice));
    await expect(readKeyFile(bad)).rejects.toThrow(/appears twice/);
  });

  it('keeps every key when many commands add at once (a lock file serializes them)', async () => {
    const path = join(dir, 'keys-c.json');
    const added = await Promise.all(Array.from({ length: 12 }, (_, i) => addKey(path, `k${i}`, ['predict'])));
    expect((await listKeys(path)).map((k) => k.name).sort()).toEqual(added.map((a) => a.entry.name).sort());
    expect((await readdir(dir)).some((f) => f.endsWith('.lock'))).toBe(false);
  });

  it('is --keys-file, else IMIND_API_KEYS_FILE, else ./imind-keys.json', () => {
    expect(keysFilePath('a.json', { IMIND_API_KEYS_FILE: 'b.json' })).toBe('a.json');
    expect(keysFilePath(undefined, { IMIND_API_KEYS_FILE: 'b.json' })).toBe('b.json');
    expect(keysFilePath(undefined, {})).toBe('imind-keys.json');
  });
});

describe('which scope each route needs', () => {
  it.each([
    ['GET', '/health', 'open'],
    ['GET', '/ready', 'open'],
    ['GET', '/metrics', 'open'],
    ['GET', '/openapi.json', 'open'],
    ['GET', '/docs/swagger-ui.css', 'open'],
    ['POST', '/predict', 'predict'],
    ['POST', '/predict/batch', 'predict'],
    ['GET', '/machines', 'predict'],
    ['GET', '/machines/M1', 'predict'],
    ['HEAD', '/machines/M1', 'predict'],
    ['POST', '/machines/M1/baseline', 'admin'],
    ['DELETE', '/machines/M1', 'admin'],
    ['PUT', '/model', 'admin'],
    ['POST', '/no/such/route', 'admin'],
  ])('%s %s → %s', (method, path, access) => {
    expect(requiredAccess(method, path)).toBe(access);
  });
});

describe('API keys on the server (in memory)', () => {
  let app: App;
  let verifier: ApiKeyVerifier;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    const path = join(dir, 'server-keys.json');
    keys.predict = (await addKey(path, 'predictor', ['predict'])).key;
    keys.admin = (await addKey(path, 'fitter', ['admin'])).key;
    keys.both = (await addKey(path, 'ops', ['predict', 'admin'])).key;
    verifier = new ApiKeyVerifier(await readKeyFile(path));
    app = buildApp({ model, keys: verifier, monitoring: false });
    await app.state.settled;
  });

  const predict = (headers: Record<string, string> = {}) =>
    viaInject(app, { method: 'POST', url: '/predict', headers, body: reading() });

  it('answers 401 without a key or with a wrong one, in the error shape, never echoing the key', async () => {
    const wrongs = [undefined, '', 'imk_nope', `${keys.predict}x`, keys.predict!.slice(0, -1), 'x'.repeat(5000)];
    for (const wrong of wrongs) {
      const res = await predict(wrong === undefined ? {} : { 'x-api-key': wrong });
      expect(res.status, String(wrong).slice(0, 20)).toBe(401);
      const body = errorSchema.parse(res.json());
      expect(body.error).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toBe('ApiKey header="X-API-Key"');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      if (wrong) expect(res.text).not.toContain(wrong.slice(0, 12));
      assertCleanBody(res.text);
    }
    expect((await predict({ 'x-api-key': keys.predict! })).status).toBe(200);
  });

  it('answers 403 to a key without the route scope', async () => {
    const res = await predict({ 'x-api-key': keys.admin! });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden' });
    expect(res.json().detail).toContain('predict scope');
    const fit = await viaInject(app, {
      method: 'POST',
      url: '/machines/M1/baseline',
      headers: { 'x-api-key': keys.predict! },
      body: { readings: [reading()] },
    });
    expect(fit.status).toBe(403);
    expect(fit.json().detail).toContain('admin scope');
    // With the admin scope the route's own checks decide (not 401/403).
    for (const key of [keys.admin!, keys.both!]) {
      const allowed = await viaInject(app, {
        method: 'POST',
        url: '/machines/M1/baseline',
        headers: { 'x-api-key': key },
        body: { readings: [reading()] },
      });
      expect([401, 403]).not.toContain(allowed.status);
    }
  });

  it('lets predict keys score and read machine info', async () => {
    const batch = await viaInject(app, {
      method: 'POST',
      url: '/predict/batch',
      headers: { 'x-api-key': keys.both! },
      body: { readings: [reading(), reading()] },
    });
    expect(batch.status).toBe(200);
    const info = await viaInject(app, { url: '/machines', headers: { 'x-api-key': keys.predict! } });
    expect([401, 403]).not.toContain(info.status);
    expect((await viaInject(app, { url: '/machines' })).status).toBe(401);
  });

  it('keeps health, readiness and the docs open; asks for a key on unknown paths', async () => {
    for (const url of ['/health', '/ready', '/', '/openapi.json', '/docs', '/redoc']) {
      expect((await viaInject(app, { url })).status, url).toBe(200);
    }
    expect((await viaInject(app, { url: '/admin' })).status).toBe(401);
    expect((await viaInject(app, { url: '/admin', headers: { 'x-api-key': keys.predict! } })).status).toBe(404);
  });

  it('applies a changed keys file at once: revoked keys fail; no keys left locks rather than opens', async () => {
    const path = join(dir, 'server-keys.json');
    await revokeKey(path, 'predictor');
    verifier.replace(await readKeyFile(path));
    expect((await predict({ 'x-api-key': keys.predict! })).status).toBe(401);
    expect((await predict({ 'x-api-key': keys.both! })).status).toBe(200);
    verifier.replace([]);
    expect((await predict()).status).toBe(401);
    expect((await predict({ 'x-api-key': keys.both! })).status).toBe(401);
    expect((await viaInject(app, { url: '/health' })).status).toBe(200);
  });

  it('documents the key in the OpenAPI document (open routes need none)', async () => {
    const doc = (await viaInject(app, { url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.paths['/predict']!.post!.security).toEqual([{ ApiKey: [] }, {}]);
    expect(Object.keys(doc.paths['/predict/batch']!.post!.responses)).toEqual(
      expect.arrayContaining(['401', '403', '429', '503', '504']),
    );
    expect(doc.paths['/health']!.get!.security).toBeUndefined();
  });

  it('runs open without keys', async () => {
    const open = buildApp({ model, monitoring: false });
    await open.state.settled;
    expect((await viaInject(open, { method: 'POST', url: '/predict', body: reading() })).status).toBe(200);
  });
});

describe('CORS', () => {
  const preflight = (origin: string, method = 'POST', url = '/predict') => ({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
  });

  it('is closed by default: preflights get 405 and answers carry no CORS headers', async () => {
    const app = buildApp({ model, monitoring: false });
    await app.state.settled;
    const pre = await viaInject(app, preflight('https://dash.example'));
    expect(pre.status).toBe(405);
    const res = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      headers: { origin: 'https://dash.example' },
      body: reading(),
    });
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control'))).toEqual([]);
  });

  it('answers preflights of the listed origins only, for methods the route takes', async () => {
    const verifier = new ApiKeyVerifier([]);
    const key = (await addKey(join(dir, 'cors-keys.json'), 'browser', ['predict'])).key;
    verifier.replace(await readKeyFile(join(dir, 'cors-keys.json')));
    const app = buildApp({
      model,
      keys: verifier,
      monitoring: false,
      settings: { hardening: hardeningSettings({ corsOrigins: ['https://dash.example', 'http://localhost:3000'] }) },
    });
    await app.state.settled;
    const ok = await viaInject(app, preflight('https://dash.example'));
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'https://dash.example',
      'access-control-allow-methods': 'POST',
      vary: 'Origin',
    });
    expect(String(ok.headers['access-control-allow-headers'])).toContain('x-api-key');
    expect(
      (await viaInject(app, preflight('http://localhost:3000', 'GET', '/health'))).headers[
        'access-control-allow-methods'
      ],
    ).toBe('GET, HEAD');
    // Other origins, other methods, unknown paths: no preflight answer.
    for (const req of [
      preflight('https://evil.example'),
      preflight('https://dash.example', 'DELETE'),
      preflight('https://dash.example', 'POST', '/nope'),
    ]) {
      const res = await viaInject(app, req);
      expect([404, 405]).toContain(res.status);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    // Answers to the listed origin carry the header, 401s too (so the page can read them); others get none.
    const denied = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      headers: { origin: 'https://dash.example' },
      body: reading(),
    });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('https://dash.example');
    const allowed = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      headers: { origin: 'https://dash.example', 'x-api-key': key },
      body: reading(),
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dash.example');
    expect(String(allowed.headers['access-control-expose-headers'])).toContain('x-request-id');
    const other = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      headers: { origin: 'https://evil.example', 'x-api-key': key },
      body: reading(),
    });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
