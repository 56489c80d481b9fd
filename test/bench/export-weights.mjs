// Reads an imind model (model.onnx + model.json) and writes its autoencoder as
// JSON for the Python baseline: scaler, dense layers (weights [in][out], bias,
// activation) and threshold. The weights come out of the ONNX initializers,
// read with a tiny protobuf decoder (no ONNX library needed on either side).
//
//   node test/bench/export-weights.mjs [models/default] > weights.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Fields of one protobuf message: number -> list of values (varints as numbers, length-delimited as bytes). */
function decode(bytes) {
  const fields = new Map();
  let i = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[i++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = bytes.subarray(i, i + length);
      i += length;
    } else if (wire === 5) {
      value = bytes.subarray(i, i + 4);
      i += 4;
    } else if (wire === 1) {
      value = bytes.subarray(i, i + 8);
      i += 8;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (!fields.has(field)) fields.set(field, []);
    fields.get(field).push(value);
  }
  return fields;
}

const text = (bytes) => new TextDecoder().decode(bytes);

/** Packed or repeated varints (TensorProto.dims). */
function ints(values = []) {
  const out = [];
  for (const v of values) {
    if (typeof v === 'number') out.push(v);
    else {
      let i = 0;
      while (i < v.length) {
        let value = 0;
        let scale = 1;
        for (;;) {
          const b = v[i++];
          value += (b & 0x7f) * scale;
          if (b < 0x80) break;
          scale *= 128;
        }
        out.push(value);
      }
    }
  }
  return out;
}

/** { scaler, layers: [{ in, out, weight: number[][], bias, activation }], threshold } of a model folder. */
export function exportWeights(modelDir) {
  const metadata = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const model = decode(readFileSync(join(modelDir, 'model.onnx')));
  const graph = decode(model.get(7)[0]);
  const tensors = new Map();
  for (const raw of graph.get(5) ?? []) {
    const t = decode(raw);
    const dims = ints(t.get(1));
    const type = t.get(2)[0];
    if (type !== 1) throw new Error('expected float32 initializers');
    const data = t.get(9)[0];
    const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    tensors.set(text(t.get(8)[0]), { dims, values: Array.from(values) });
  }
  const nodes = (graph.get(1) ?? []).map((raw) => {
    const n = decode(raw);
    return { op: text(n.get(4)[0]), inputs: (n.get(1) ?? []).map(text), outputs: (n.get(2) ?? []).map(text) };
  });
  const layers = [];
  for (let k = 0; k < nodes.length; k++) {
    if (nodes[k].op !== 'Gemm') continue;
    const [rows, cols] = tensors.get(nodes[k].inputs[1]).dims;
    const flat = tensors.get(nodes[k].inputs[1]).values;
    layers.push({
      in: rows,
      out: cols,
      weight: Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols)),
      bias: tensors.get(nodes[k].inputs[2]).values,
      activation: nodes[k + 1]?.op === 'Tanh' ? 'tanh' : 'linear',
    });
  }
  const byOp = (op) => tensors.get(nodes.find((n) => n.op === op).inputs[1]).values;
  return {
    features: metadata.schema.features.map((f) => ({ name: f.name, min: f.min, max: f.max })),
    scaler: { mean: byOp('Sub'), std: byOp('Div') },
    layers,
    threshold: metadata.threshold.value,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(exportWeights(process.argv[2] ?? 'models/default'), null, 1)}\n`);
}
