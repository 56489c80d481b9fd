import { ProtobufWriter } from './protobuf-writer.js';

/**
 * A small builder for ONNX graphs (opset 13) serialized with ProtobufWriter.
 * Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, ...).
 */
const FLOAT = 1;
const DOUBLE = 11;
const OPSET = 13;
const IR_VERSION = 8;

export interface OnnxAttribute {
  name: string;
  int?: number;
  ints?: number[];
  float?: number;
}

interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | Float64Array;
}

/** ONNX tensor element types the builder writes (TensorProto.DataType). */
export const ONNX_FLOAT = FLOAT;
export const ONNX_DOUBLE = DOUBLE;

/** A tensor dimension: a fixed size or a symbolic name (e.g. "batch"). */
export type Dim = number | string;

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly inputs: { name: string; dims: Dim[] }[] = [];
  private readonly outputs: { name: string; dims: Dim[] }[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dims: Dim[]): string {
    this.inputs.push({ name, dims });
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push({ name, dims });
  }

  constant(prefix: string, dims: number[], data: ArrayLike<number>): string {
    const name = `${prefix}_${this.counter++}`;
    this.initializers.push({ name, dims, data: Float32Array.from(data) });
    return name;
  }

  /** A float64 constant (for graphs that compute in double precision after a Cast). */
  constant64(prefix: string, dims: number[], data: ArrayLike<number>): string {
    const name = `${prefix}_${this.counter++}`;
    this.initializers.push({ name, dims, data: Float64Array.from(data) });
    return name;
  }

  /** A Cast node to `to` (ONNX_FLOAT or ONNX_DOUBLE). */
  cast(input: string, to: number, outputName?: string): string {
    return this.node('Cast', [input], [{ name: 'to', int: to }], outputName);
  }

  node(op: string, inputs: string[], attributes: OnnxAttribute[] = [], outputName?: string): string {
    const out = outputName ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  }

  toBytes(producer: { name: string; version: string }): Uint8Array {
    const model = new ProtobufWriter();
    model.int(1, IR_VERSION);
    model.string(2, producer.name);
    model.string(3, producer.version);
    model.message(7, (g) => this.writeGraph(g));
    model.message(8, (o) => o.string(1, '').int(2, OPSET));
    return model.finish();
  }

  private writeGraph(g: ProtobufWriter): void {
    this.nodes.forEach((n, i) => {
      g.message(1, (w) => {
        for (const input of n.inputs) w.string(1, input);
        for (const output of n.outputs) w.string(2, output);
        w.string(3, `${n.op}_${i}`);
        w.string(4, n.op);
        for (const a of n.attributes) w.message(5, (aw) => writeAttribute(aw, a));
      });
    });
    g.string(2, this.name);
    for (const init of this.initializers) {
      g.message(5, (t) => {
        t.packedInts(1, init.dims);
        t.int(2, init.data instanceof Float64Array ? DOUBLE : FLOAT);
        t.string(8, init.name);
        t.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
      });
    }
    for (const v of this.inputs) g.message(11, (w) => writeValueInfo(w, v.name, v.dims));
    for (const v of this.outputs) g.message(12, (w) => writeValueInfo(w, v.name, v.dims));
  }
}

function writeAttribute(w: ProtobufWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (a.float !== undefined) w.float(2, a.float).int(20, 1);
  else if (a.int !== undefined) w.int(3, a.int).int(20, 2);
  else if (a.ints !== undefined) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, 7);
  }
}

function writeValueInfo(w: ProtobufWriter, name: string, dims: Dim[]): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}
