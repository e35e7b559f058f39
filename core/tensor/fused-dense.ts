/**
 * A fused dense stack: a whole MLP evaluation as one tfjs op, and its whole
 * backward pass as one more.
 *
 * Composed from tfjs ops, an MLP of L layers costs about 3L kernel launches
 * forward and twice that backward, each several microseconds whatever the
 * size; on the small networks of neural ODEs that is most of the time.
 * `OdelabDenseStack` computes x (or x³), an optional time column and every
 * layer in one pass of plain loops over host memory (cpu, wasm);
 * `OdelabDenseStackGrad` returns dx and every dW, db at once, from the
 * forward pass's intermediates (or recomputed from the saved inputs).
 * Other backends, wide networks on wasm (see WASM_FUSED_WORK_LIMIT) and
 * backward passes that are themselves differentiated use the composite ops.
 */
import { isolatedGradients } from './gradients.ts';
import { tf } from './tf.ts';
import { fusedGradientsNow, fusedKernelsEnabled, onHostBackend, registerHostKernel } from './fused-combine.ts';

export { setFusedKernels } from './fused-combine.ts';

export const DENSE_STACK = 'OdelabDenseStack';
export const DENSE_STACK_GRAD = 'OdelabDenseStackGrad';

export const ACTIVATIONS = ['tanh', 'relu', 'softplus', 'sigmoid', 'elu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const INPUT_TRANSFORMS = ['none', 'cube'] as const;
export type InputTransform = (typeof INPUT_TRANSFORMS)[number];

const TF_ACTIVATIONS: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  softplus: (x) => tf.softplus(x),
  sigmoid: (x) => tf.sigmoid(x),
  elu: (x) => tf.elu(x),
  linear: (x) => x,
};

export function activate(x: tf.Tensor, a: Activation): tf.Tensor {
  return TF_ACTIVATIONS[a](x);
}

export interface DenseStackCall {
  /** Applied between layers, not after the last. */
  activation: Activation;
  /** Applied to x element-wise before the first layer (default 'none'). */
  inputTransform?: InputTransform;
  /** When a number, appended to the (transformed) input as an extra column; the first weight then has one more row. */
  time?: number | null;
}

interface DenseAttrs {
  activation: Activation;
  inputTransform: InputTransform;
  time: number | null;
  /** Fresh per call: the forward kernel leaves its intermediates here, and tfjs hands this attrs object to the gradient (it lives as long as the tape node). */
  memo?: { forward?: Forward };
}

/** The composite version: one tfjs op per step (any backend, differentiable to any order). */
export function compositeDenseStack(x: tf.Tensor, weights: readonly tf.Tensor[], biases: readonly tf.Tensor[], o: DenseStackCall): tf.Tensor {
  let h = o.inputTransform === 'cube' ? tf.mul(x, tf.mul(x, x)) : x;
  if (o.time != null) h = tf.concat([h, tf.fill([x.shape[0]!, 1], o.time)], 1);
  const n = weights.length;
  for (let i = 0; i < n; i++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, weights[i]! as tf.Tensor2D), biases[i]!);
    if (i + 1 < n) h = activate(h, o.activation);
  }
  return h;
}

/**
 * Work per evaluation (multiply-adds, an activation counted as 8) above which
 * wasm's own SIMD kernels beat the fused loops in JavaScript, forward and
 * backward together: measured even for 2-150-2 and 2-32-32-2 at batch 20
 * (work 36k, 33k), fused 1.4x faster for 2-100-2 (24k) and 1.5x for 2-50-2
 * (12k). On cpu, whose kernels are JavaScript loops too, fused wins at every size.
 */
export const WASM_FUSED_WORK_LIMIT = 30_000;

/** The attrs of a fused call, or null when this call takes the composite ops. */
function fusedCall(operands: readonly tf.Tensor[], x: tf.Tensor, weights: readonly tf.Tensor[], biases: readonly tf.Tensor[], o: DenseStackCall): DenseAttrs | null {
  const host = fusedKernelsEnabled() && onHostBackend() && operands.every((t) => t?.dtype === 'float32');
  const work = host ? workOf(x, weights, biases, o.time != null) : null;
  if (work === null || (work > WASM_FUSED_WORK_LIMIT && tf.getBackend() === 'wasm')) return null;
  return { activation: o.activation, inputTransform: o.inputTransform ?? 'none', time: o.time ?? null, memo: {} };
}

/** x [B, in] → [B, out] through the layers: one fused kernel on host backends, composite ops elsewhere. */
export function denseStack(x: tf.Tensor, weights: readonly tf.Tensor[], biases: readonly tf.Tensor[], o: DenseStackCall): tf.Tensor {
  const operands = [x, ...weights.flatMap((w, i) => [w, biases[i]!])];
  const attrs = fusedCall(operands, x, weights, biases, o);
  if (!attrs) return compositeDenseStack(x, weights, biases, o);
  return tf.engine().runKernel(DENSE_STACK, operands as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * The stack's value and its vector-Jacobian products with `cotangent`
 * (dx, then dW0, db0, dW1, ...) without the tape: the forward kernel and the
 * gradient kernel on host backends, an isolated tape elsewhere.
 */
export function denseStackVjp(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
  o: DenseStackCall,
  cotangent: tf.Tensor,
): { value: tf.Tensor; dx: tf.Tensor; dParams: tf.Tensor[] } {
  const operands = [x, ...weights.flatMap((w, i) => [w, biases[i]!])];
  const attrs = fusedCall(operands, x, weights, biases, o);
  if (attrs) {
    const value = tf.engine().runKernel(DENSE_STACK, operands as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const grads = tf.engine().runKernel(DENSE_STACK_GRAD, [cotangent, ...operands] as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { value, dx: grads[0]!, dParams: grads.slice(1) };
  }
  let value: tf.Tensor | undefined;
  const { grads } = isolatedGradients(() => {
    value = tf.keep(compositeDenseStack(x, weights, biases, o));
    return tf.sum(tf.mul(value, cotangent)) as tf.Scalar;
  }, operands);
  return { value: value!, dx: grads[0] ?? tf.zerosLike(x), dParams: grads.slice(1).map((g, i) => g ?? tf.zerosLike(operands[i + 1]!)) };
}

/** The work of one evaluation, or null when the shapes do not chain (the composite ops then raise tfjs's own errors). */
function workOf(x: tf.Tensor, ws: readonly tf.Tensor[], bs: readonly tf.Tensor[], timed: boolean): number | null {
  if (x.rank !== 2 || ws.length === 0 || bs.length !== ws.length) return null;
  let width = x.shape[1]! + (timed ? 1 : 0);
  let work = 0;
  for (let i = 0; i < ws.length; i++) {
    const [w, b] = [ws[i]!, bs[i]!];
    if (w.rank !== 2 || w.shape[0] !== width || b.rank !== 1 || b.shape[0] !== w.shape[1]) return null;
    width = w.shape[1]!;
    work += w.size + (i + 1 < ws.length ? 8 * width : 0);
  }
  return x.shape[0]! * work;
}

// ---- the host arithmetic (float64 intermediates, float32 results) ----

interface Net {
  batch: number;
  inputs: number;
  /** Layer widths, features (inputs + time column) first. */
  widths: number[];
  x: Float32Array;
  /** Weights and biases as float64 copies: every array the loops index is then of one type, which V8 compiles best. */
  ws: readonly Float64Array[];
  bs: readonly Float64Array[];
  attrs: DenseAttrs;
}

/** The net from operand values [x, w0, b0, w1, b1, ...] and their infos. */
function netOf(values: readonly Float32Array[], ops: readonly tf.TensorInfo[], attrs: DenseAttrs): Net {
  const layers = (ops.length - 1) / 2;
  const wInfo = Array.from({ length: layers }, (_, l) => ops[1 + 2 * l]!);
  return {
    batch: ops[0]!.shape[0]!,
    inputs: ops[0]!.shape[1]!,
    widths: [wInfo[0]!.shape[0]!, ...wInfo.map((w) => w.shape[1]!)],
    x: values[0]!,
    ws: Array.from({ length: layers }, (_, l) => new Float64Array(values[1 + 2 * l]!)),
    bs: Array.from({ length: layers }, (_, l) => new Float64Array(values[2 + 2 * l]!)),
    attrs,
  };
}

/** The first layer's input: x or x³, then the time column. */
function features({ batch, inputs, widths, x, attrs }: Net): Float64Array {
  const width = widths[0]!;
  const h = new Float64Array(batch * width);
  const cube = attrs.inputTransform === 'cube';
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < inputs; i++) {
      const v = x[r * inputs + i]!;
      h[r * width + i] = cube ? v * v * v : v;
    }
    if (attrs.time !== null) h[r * width + inputs] = attrs.time;
  }
  return h;
}

/**
 * c [m, n] = a [m, k] · b (+ bias [n]), with b [k, n] row-major, or given as its transpose [n, k] when `bT`.
 * The inner loop runs along the longer of k (dot products) and n (row updates), over contiguous memory.
 */
function matmul(a: Float64Array, b: Float64Array, bT: boolean, m: number, k: number, n: number, bias?: Float64Array): Float64Array {
  const c = new Float64Array(m * n);
  if (k >= n) {
    const bt = bT ? b : transpose(b, k, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = bias ? bias[j]! : 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p]! * bt[j * k + p]!;
        c[i * n + j] = sum;
      }
    }
  } else {
    const bk = bT ? transpose(b, n, k) : b;
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      if (bias) for (let j = 0; j < n; j++) c[ci + j] = bias[j]!;
      for (let p = 0; p < k; p++) {
        const x = a[i * k + p]!;
        for (let j = 0; j < n; j++) c[ci + j] += x * bk[p * n + j]!;
      }
    }
  }
  return c;
}

/** The transpose of a row-major [rows, cols] matrix. */
function transpose(v: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c]!;
  return t;
}

function activateHost(z: Float64Array, act: Activation): Float64Array {
  const a = new Float64Array(z.length);
  const n = z.length;
  switch (act) {
    case 'tanh':
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]!);
      break;
    case 'relu':
      for (let i = 0; i < n; i++) a[i] = z[i]! > 0 ? z[i]! : 0;
      break;
    case 'softplus':
      for (let i = 0; i < n; i++) a[i] = Math.max(z[i]!, 0) + Math.log1p(Math.exp(-Math.abs(z[i]!)));
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]!));
      break;
    case 'elu':
      for (let i = 0; i < n; i++) a[i] = z[i]! >= 0 ? z[i]! : Math.expm1(z[i]!);
      break;
    case 'linear':
      a.set(z);
  }
  return a;
}

/** g ⊙= act'(z), with a = act(z). */
function timesDerivative(g: Float64Array, z: Float64Array, a: Float64Array, act: Activation): void {
  const n = g.length;
  switch (act) {
    case 'tanh':
      for (let i = 0; i < n; i++) g[i] *= 1 - a[i]! * a[i]!;
      break;
    case 'relu':
      for (let i = 0; i < n; i++) g[i] *= z[i]! > 0 ? 1 : 0;
      break;
    case 'softplus':
      for (let i = 0; i < n; i++) g[i] /= 1 + Math.exp(-z[i]!);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) g[i] *= a[i]! * (1 - a[i]!);
      break;
    case 'elu':
      for (let i = 0; i < n; i++) g[i] *= z[i]! >= 0 ? 1 : a[i]! + 1;
      break;
    case 'linear':
  }
}

/** A forward pass: acts[l] is layer l's input (acts[0] the features), pres[l] its pre-activation (the last one is the output). */
interface Forward {
  acts: Float64Array[];
  pres: Float64Array[];
}

function forward(n: Net): Forward {
  const acts = [features(n)];
  const pres: Float64Array[] = [];
  const layers = n.ws.length;
  for (let l = 0; l < layers; l++) {
    const nIn = n.widths[l]!;
    const nOut = n.widths[l + 1]!;
    const z = matmul(acts[l]!, n.ws[l]!, false, n.batch, nIn, nOut, n.bs[l]!);
    pres.push(z);
    if (l + 1 < layers) acts.push(activateHost(z, n.attrs.activation));
  }
  return { acts, pres };
}

/** outs = [dx, dw0, db0, dw1, db1, ...] for the output gradient dy. */
function backward(n: Net, dy: Float32Array, outs: readonly Float32Array[]): void {
  const { acts, pres } = n.attrs.memo?.forward ?? forward(n);
  const { batch, widths } = n;
  let g: Float64Array = new Float64Array(dy);
  for (let l = n.ws.length - 1; l >= 0; l--) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    outs[1 + 2 * l]!.set(matmul(transpose(acts[l]!, batch, nIn), g, false, nIn, batch, nOut));
    const db = outs[2 + 2 * l]!;
    for (let o = 0; o < nOut; o++) {
      let sum = 0;
      for (let r = 0; r < batch; r++) sum += g[r * nOut + o]!;
      db[o] = sum;
    }
    // The gradient wrt this layer's input g·Wᵀ; for the first layer only its x columns, not the time column.
    const cols = l > 0 ? nIn : n.inputs;
    const gh = matmul(g, n.ws[l]!, true, batch, nOut, cols);
    if (l > 0) {
      timesDerivative(gh, pres[l - 1]!, acts[l]!, n.attrs.activation);
      g = gh;
    } else {
      const { x } = n;
      const dx = outs[0]!;
      if (n.attrs.inputTransform === 'cube') for (let k = 0; k < dx.length; k++) dx[k] = 3 * x[k]! * x[k]! * gh[k]!;
      else dx.set(gh);
    }
  }
}

// ---- the kernels and the gradient ----

/** Operands listed by position: '0' is x (or dy), then the rest in order. */
const positional = (inputs: tf.NamedTensorInfoMap) => Object.keys(inputs).map((k) => inputs[k]!);

registerHostKernel<DenseAttrs>(DENSE_STACK, {
  operands: positional,
  outputShapes: (ops) => [[ops[0]!.shape[0]!, ops[ops.length - 2]!.shape[1]!]],
  compute(values, [out], ops, attrs) {
    const pass = forward(netOf(values, ops, attrs));
    out!.set(pass.pres[pass.pres.length - 1]!);
    if (attrs.memo) attrs.memo.forward = pass;
  },
});

// Operands [dy, x, w0, b0, ...]; outputs [dx, dw0, db0, ...].
registerHostKernel<DenseAttrs>(DENSE_STACK_GRAD, {
  operands: positional,
  outputShapes: (ops) => ops.slice(1).map((t) => t.shape),
  compute(values, outs, ops, attrs) {
    backward(netOf(values.slice(1), ops.slice(1), attrs), values[0]!, outs);
  },
  multiOutput: true,
});

tf.registerGradient({
  kernelName: DENSE_STACK,
  // The inputs are a positional list (their number varies with the depth), so all are saved: x, weights and biases.
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs) => {
    const d = dy as tf.Tensor;
    // One kernel per backward pass, run here rather than in the per-input
    // functions: tfjs calls each of those inside its own tidy, which would
    // dispose the outputs handed out later.
    const grads = fusedGradientsNow()
      ? (tf.engine().runKernel(DENSE_STACK_GRAD, [d, ...saved] as unknown as tf.NamedTensorMap, attrs) as tf.Tensor[])
      : tf.grads((x: tf.Tensor, ...wb: tf.Tensor[]) =>
          compositeDenseStack(x, wb.filter((_, i) => i % 2 === 0), wb.filter((_, i) => i % 2 === 1), attrs as unknown as DenseAttrs),
        )(saved, d);
    return Object.fromEntries(grads.map((g, i) => [String(i), () => g]));
  },
});
