import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../src/detectors/fit-detector.js';
import { Model } from '../../src/model/model.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { predictionSchema } from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import { Prng } from '../../src/util/prng.js';
import { reading, viaInject } from './server-fixtures.js';

const schema = builtinSchemas.get('default')!;
const W = 5;
let model: Model;
let app: App;

beforeAll(async () => {
  const rng = new Prng(3);
  const rows = 400;
  const values = new Float64Array(rows * 4);
  for (let r = 0; r < rows; r++)
    values.set([65 + rng.normal(), 1.2 + 0.05 * rng.normal(), 45 + rng.normal(), 250 + 5 * rng.normal()], r * 4);
  const fitted = fitDetector(
    'level-shift',
    { schema, values, rows, dataSha256: 'x', files: [] },
    { window: W, alarm: { ewmaAlpha: 1, k: 1, n: 1 } },
  );
  model = await Model.fromParts(fitted);
  app = buildApp({ model });
  await app.state.settled;
});
afterAll(async () => {
  await model.dispose();
});

describe('a windowed (stateful) model behind the API', () => {
  it('is ready (the self-test scores a full window without touching any machine)', async () => {
    expect(model.stateful).toBe(true);
    expect((await viaInject(app, { url: '/ready' })).status).toBe(200);
  });

  it("says warming_up until the machine's window is full, then scored; per machine, across requests", async () => {
    const statuses: string[] = [];
    for (let i = 0; i < W + 1; i++) {
      const ts = new Date(Date.UTC(2024, 0, 15, 10, 30, i)).toISOString();
      const res = await viaInject(app, {
        method: 'POST',
        url: '/predict',
        body: reading({ machine_id: 'W1', timestamp: ts, temperature: 65 }),
      });
      expect(res.status).toBe(200);
      const body = predictionSchema(schema).parse(res.json());
      statuses.push(body.status!);
      if (body.status === 'warming_up') expect(body).toMatchObject({ anomaly_score: 0, is_anomaly: false });
    }
    expect(statuses).toEqual([...Array<string>(W - 1).fill('warming_up'), 'scored', 'scored']);
    // Another machine starts its own window.
    const other = await viaInject(app, { method: 'POST', url: '/predict', body: reading({ machine_id: 'W2' }) });
    expect(other.json().status).toBe('warming_up');
  });

  it("flags a reading older than its machine's newest as out_of_order", async () => {
    const res = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      body: reading({ machine_id: 'W1', timestamp: '2024-01-15T10:00:00Z' }),
    });
    expect(res.status).toBe(200);
    expect(predictionSchema(schema).parse(res.json()).out_of_order).toBe(true);
  });
});
