/**
 * The dense stack's arithmetic on host memory (float64 intermediates): the
 * loops behind the fused kernels (dense-stack-kernels.ts) and behind the host vector
 * field of a whole backpropagated solve (core/ode/host-backprop.ts).
 *
 * Nothing here allocates per call in steady state but what a caller keeps:
 * a training step runs these loops dozens of times, and fresh typed arrays
 * each time (off-heap backing stores, freed by the garbage collector's
 * helper threads) cost a second core a third of the first's time. Work
 * arrays are reused (the loops run one at a time on a thread, to
 * completion), and a forward pass whose intermediates a backward pass needs
 * takes them from a pool the backward pass returns them to.
 */
import type { HostField } from '../ode/host-field.ts';
import { Float64Pool } from './float64-pool.ts';
import { float32RouteFor, nativeGemmFor, nativeTanhFor, threadsForProduct, type NativeBlas } from './kernels.ts';

/** The activations a dense stack may use, and the transforms of its input. */
export const ACTIVATIONS = ['tanh', 'relu', 'softplus', 'sigmoid', 'elu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const INPUT_TRANSFORMS = ['none', 'cube'] as const;
export type InputTransform = (typeof INPUT_TRANSFORMS)[number];

/** Reusable work arrays by slot, grown on demand; a view of `size` elements of slot `slot`. */
const workArrays: Float64Array[] = [];
export function workArray(slot: Slot, size: number): Float64Array {
  let b = workArrays[slot];
  if (!b || b.length < size) workArrays[slot] = b = new Float64Array(Math.max(size, 2 * (b?.length ?? 0)));
  return b.subarray(0, size);
}
/** The same for float32 work arrays (the float32 route). */
const workArrays32: Float32Array[] = [];
function workArray32(slot: Slot, size: number): Float32Array {
  let b = workArrays32[slot];
  if (!b || b.length < size) workArrays32[slot] = b = new Float32Array(Math.max(size, 2 * (b?.length ?? 0)));
  return b.subarray(0, size);
}
export const enum Slot {
  Params,
  Forward,
  TransposeA,
  TransposeB,
  Product,
  GradA,
  GradB,
  /** A layer's kept float32 activation, widened for the backward pass. */
  Act,
}

/** Forward-pass buffers; buffers of forwards never differentiated are simply not returned. */
const forwardPool = new Float64Pool(64);

/**
 * Kept forward passes of at least this many activation elements keep them
 * as float32 (half the memory of a host tape of large networks: D=64,
 * [1024, 1024], batch 1024 keeps 9 MB an evaluation instead of 18); the
 * backward pass widens one layer at a time. The gradient then sees the
 * activations rounded to float32, as the tfjs tape does; smaller passes
 * (the demos' networks) stay float64 throughout.
 */
export const KEEP_FLOAT32_MIN_ELEMENTS = 1 << 18;

/** Float32Arrays by length, for kept large passes (as Float64Pool). */
const forward32Pool = new Map<number, Float32Array[]>();
function take32(n: number): Float32Array {
  return forward32Pool.get(n)?.pop() ?? new Float32Array(n);
}
function give32(a: Float32Array): void {
  let list = forward32Pool.get(a.length);
  if (!list) forward32Pool.set(a.length, (list = []));
  if (list.length < 128) list.push(a);
}

/** One evaluation's network and input. */
export interface Net {
  batch: number;
  inputs: number;
  /** Layer widths, features (inputs + time column) first. */
  widths: readonly number[];
  x: Float32Array | Float64Array;
  /** Weights [in, out] and biases as float64: every array the loops index is then of one type, which V8 compiles best. */
  ws: readonly Float64Array[];
  bs: readonly Float64Array[];
  /** The same parameters as float32, when the caller has them (else the float32 route converts ws and bs per call). */
  ws32?: readonly Float32Array[];
  bs32?: readonly Float32Array[];
  activation: Activation;
  inputTransform: InputTransform;
  /** When a number, appended to the (transformed) input as an extra column. */
  time: number | null;
}

/** The first layer's input: x or x³, then the time column, written into h. */
function features({ batch, inputs, widths, x, inputTransform, time }: Net, h: Float32Array | Float64Array): void {
  const width = widths[0]!;
  const cube = inputTransform === 'cube';
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < inputs; i++) {
      const v = x[r * inputs + i]!;
      h[r * width + i] = cube ? v * v * v : v;
    }
    if (time !== null) h[r * width + inputs] = time;
  }
}

/**
 * c [m, n] = a [m, k] · b (+ bias [n]), with b [k, n] row-major, or given as its transpose [n, k] when `bT`.
 * Large products go to native dgemm when the add-on is loaded (kernels.ts); otherwise
 * the inner loop runs along the longer of k (dot products) and n (row updates), over contiguous memory.
 */
function matmul(a: Float64Array, b: Float64Array, bT: boolean, m: number, k: number, n: number, c: Float64Array, bias?: Float64Array): void {
  const blas = nativeGemmFor(m, n, k);
  if (blas) {
    if (bias) for (let i = 0; i < m; i++) c.set(bias.subarray(0, n), i * n);
    blas.gemm(false, bT, m, n, k, 1, a, k, b, bT ? k : n, bias ? 1 : 0, c, n);
  } else matmulLoops(a, b, bT, m, k, n, c, bias);
}

/** matmul by the host loops alone (the small route; exported for the kernels bench and tests). */
export function matmulLoops(a: Float64Array, b: Float64Array, bT: boolean, m: number, k: number, n: number, c: Float64Array, bias?: Float64Array): void {
  if (k >= n) {
    const bt = bT ? b : transpose(b, k, n, workArray(Slot.TransposeB, k * n));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = bias ? bias[j]! : 0;
        for (let p = 0; p < k; p++) sum += a[i * k + p]! * bt[j * k + p]!;
        c[i * n + j] = sum;
      }
    }
  } else {
    const bk = bT ? transpose(b, n, k, workArray(Slot.TransposeB, k * n)) : b;
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      if (bias) for (let j = 0; j < n; j++) c[ci + j] = bias[j]!;
      else for (let j = 0; j < n; j++) c[ci + j] = 0;
      for (let p = 0; p < k; p++) {
        const x = a[i * k + p]!;
        for (let j = 0; j < n; j++) c[ci + j] += x * bk[p * n + j]!;
      }
    }
  }
}

/** The transpose of a row-major [rows, cols] matrix, written into t. */
function transpose(v: Float64Array, rows: number, cols: number, t: Float64Array): Float64Array {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c]!;
  return t;
}

/** a = act(z), element-wise (z and a of one type). */
function activateHost<T extends Float32Array | Float64Array>(z: T, act: Activation, a: T): void {
  const n = z.length;
  switch (act) {
    case 'tanh': {
      // In place (a === z, as the forward pass calls it): libmvec's vector tanh when the add-on is loaded.
      const native = a === z ? nativeTanhFor(n) : null;
      if (native) native.tanhInPlace(a);
      else for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]!);
      break;
    }
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
}

/**
 * g ⊙= act'(z), from a = act(z) alone: a forward pass kept for a backward
 * one then holds each layer's activation only, not its pre-activation too
 * (half the memory of large activations on a host tape).
 */
function timesDerivative<T extends Float32Array | Float64Array>(g: T, a: T, act: Activation, native: NativeBlas | null): void {
  const n = g.length;
  switch (act) {
    case 'tanh':
      if (native) native.tanhBackward(g, a);
      else for (let i = 0; i < n; i++) g[i] *= 1 - a[i]! * a[i]!;
      break;
    case 'relu':
      // a > 0 exactly when z > 0.
      for (let i = 0; i < n; i++) g[i] *= a[i]! > 0 ? 1 : 0;
      break;
    case 'softplus':
      // σ(z) = 1 - e^{-a} for a = log(1 + e^z).
      for (let i = 0; i < n; i++) g[i] *= -Math.expm1(-a[i]!);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) g[i] *= a[i]! * (1 - a[i]!);
      break;
    case 'elu':
      // a ≥ 0 exactly when z ≥ 0; below, elu'(z) = e^z = a + 1.
      for (let i = 0; i < n; i++) g[i] *= a[i]! >= 0 ? 1 : a[i]! + 1;
      break;
    case 'linear':
  }
}

/**
 * A forward pass: acts[l] is layer l's input (acts[0] the features), `out`
 * the last layer's output; all are views of `buf`. Hidden layers' outputs
 * are activated in place: their pre-activations are not kept.
 */
export interface Forward {
  buf: Float64Array;
  /** Whether `buf` is a pooled buffer (released by `backward`), not a work array. */
  pooled: boolean;
  acts: Float64Array[];
  /** A large kept pass: the activations as float32 (pooled), `acts` then empty and `buf` a work array. */
  buf32?: Float32Array;
  acts32?: Float32Array[];
  /** Whether buf32 is a work array (a pass of the float32 route not kept), not pooled. */
  work32?: boolean;
  /** Computed by the float32 route (its backward pass runs in float32 too). */
  float32?: boolean;
  out: Float64Array;
}

/** Multiply-adds of the stack's largest layer product. */
function largestProduct({ batch, widths }: Net): number {
  let work = 0;
  for (let l = 0; l + 1 < widths.length; l++) work = Math.max(work, batch * widths[l]! * widths[l + 1]!);
  return work;
}

/**
 * The forward pass, in a pooled buffer when `keep` (a backward pass will
 * release it), else in a work array; a kept pass of KEEP_FLOAT32_MIN_ELEMENTS
 * activations or more keeps them as float32 (`out` is then valid until the next pass).
 */
export function forward(n: Net, keep: boolean): Forward {
  const blas32 = float32RouteFor(largestProduct(n));
  if (blas32) return forward32(n, keep, blas32);
  const { batch, widths } = n;
  const layers = n.ws.length;
  let size = 0;
  for (const w of widths) size += w;
  const actsSize = batch * (size - widths[layers]!);
  const narrow = keep && actsSize >= KEEP_FLOAT32_MIN_ELEMENTS;
  const buf = keep && !narrow ? forwardPool.take(batch * size) : workArray(Slot.Forward, batch * size);
  let at = 0;
  const take = (width: number) => buf.subarray(at, (at += batch * width));
  const acts = [take(widths[0]!)];
  features(n, acts[0]!);
  let out = acts[0]!;
  for (let l = 0; l < layers; l++) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const z = take(nOut);
    matmul(acts[l]!, n.ws[l]!, false, batch, nIn, nOut, z, n.bs[l]!);
    if (l + 1 < layers) {
      activateHost(z, n.activation, z);
      acts.push(z);
    } else out = z;
  }
  if (!narrow) return { buf, pooled: keep, acts, out };
  // The activations are contiguous at the start of buf: one float32 copy of them.
  const buf32 = take32(actsSize);
  for (let k = 0; k < actsSize; k++) buf32[k] = buf[k]!;
  let at32 = 0;
  const acts32 = widths.slice(0, layers).map((w) => buf32.subarray(at32, (at32 += batch * w)));
  return { buf, pooled: false, acts: [], buf32, acts32, out };
}

/** Give a kept forward pass's buffer back to the pool (its views must not be used after). */
export function releaseForward(pass: Forward): void {
  if (pass.pooled) forwardPool.give(pass.buf);
  if (pass.buf32 && !pass.work32) give32(pass.buf32);
}

type Out = Float32Array | Float64Array;

/**
 * The vector-Jacobian products for the output gradient dy: outs = [dx, dw0,
 * db0, dw1, db1, ...], overwritten, or added to when `accumulate`. Uses the
 * kept forward pass `pass` (and releases it) or recomputes one.
 */
export function backward(n: Net, dy: Out, outs: readonly Out[], pass: Forward | undefined, accumulate: boolean): void {
  // The route of the kept pass, else of the stack now (a pass and its backward pass always share one route).
  const blas32 = pass ? (pass.float32 ? float32RouteFor(Infinity) : null) : float32RouteFor(largestProduct(n));
  if (blas32) return backward32(n, dy, outs, pass, accumulate, blas32);
  const { acts, acts32 } = pass ?? forward(n, false);
  const { batch, widths } = n;
  /** Layer l's input activation as float64: kept as is, or a kept float32 one widened into a work array. */
  const actOf = (l: number): Float64Array => {
    if (!acts32) return acts[l]!;
    const a32 = acts32[l]!;
    const a = workArray(Slot.Act, a32.length);
    for (let k = 0; k < a32.length; k++) a[k] = a32[k]!;
    return a;
  };
  // The gradient wrt a layer's output and wrt its input alternate between two work arrays.
  let gSlot: Slot = Slot.GradA;
  let g = workArray(gSlot, dy.length);
  for (let k = 0; k < dy.length; k++) g[k] = dy[k]!;
  for (let l = n.ws.length - 1; l >= 0; l--) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const act = actOf(l);
    const dwOut = outs[1 + 2 * l]!;
    // dW = actsᵀ g: natively without the transpose copy (straight into a float64 output), else by the loops.
    const blas = nativeGemmFor(nIn, nOut, batch);
    if (blas && dwOut instanceof Float64Array) {
      blas.gemm(true, false, nIn, nOut, batch, 1, act, nIn, g, nOut, accumulate ? 1 : 0, dwOut, nOut);
    } else {
      const dw = workArray(Slot.Product, nIn * nOut);
      if (blas) blas.gemm(true, false, nIn, nOut, batch, 1, act, nIn, g, nOut, 0, dw, nOut);
      else matmul(transpose(act, batch, nIn, workArray(Slot.TransposeA, batch * nIn)), g, false, nIn, batch, nOut, dw);
      if (accumulate) for (let k = 0; k < dw.length; k++) dwOut[k] += dw[k]!;
      else dwOut.set(dw);
    }
    const db = outs[2 + 2 * l]!;
    for (let o = 0; o < nOut; o++) {
      let sum = 0;
      for (let r = 0; r < batch; r++) sum += g[r * nOut + o]!;
      db[o] = accumulate ? db[o]! + sum : sum;
    }
    // The gradient wrt this layer's input g·Wᵀ; for the first layer only its x columns, not the time column.
    const cols = l > 0 ? nIn : n.inputs;
    const ghSlot: Slot = gSlot === Slot.GradA ? Slot.GradB : Slot.GradA;
    const gh = workArray(ghSlot, batch * cols);
    matmul(g, n.ws[l]!, true, batch, nOut, cols, gh);
    if (l > 0) {
      timesDerivative(gh, act, n.activation, null);
      g = gh;
      gSlot = ghSlot;
    } else inputGradient(n, gh, outs[0]!, accumulate);
  }
  if (pass) releaseForward(pass);
}

/** dx (+)= the gradient wrt the stack's input x from gh, the gradient wrt its features (x or x³). */
function inputGradient(n: Net, gh: Float32Array | Float64Array, dx: Out, accumulate: boolean): void {
  const { x } = n;
  const cube = n.inputTransform === 'cube';
  for (let k = 0; k < dx.length; k++) {
    const d = cube ? 3 * x[k]! * x[k]! * gh[k]! : gh[k]!;
    dx[k] = accumulate ? dx[k]! + d : d;
  }
}

// ---- the float32 route ----
//
// A stack with a large layer product (kernels.ts FLOAT32_ROUTE_MIN_WORK)
// runs wholly in float32 on the native kernels: sgemm for the products, the
// add-on's vector tanh and its derivative, and bias gradients summed in
// double. Only the input (features) and the output are converted; the
// activations a backward pass needs are kept as float32, so the route also
// halves a large host tape's memory.

/** The parameters as float32: the caller's copies, else converted now. */
function weights32(n: Net): { ws: readonly Float32Array[]; bs: readonly Float32Array[] } {
  if (n.ws32 && n.bs32) return { ws: n.ws32, bs: n.bs32 };
  return { ws: n.ws.map((w) => Float32Array.from(w)), bs: n.bs.map((b) => Float32Array.from(b)) };
}

function forward32(n: Net, keep: boolean, blas: NativeBlas): Forward {
  const { batch, widths } = n;
  const layers = n.ws.length;
  const { ws, bs } = weights32(n);
  let size = 0;
  for (const w of widths) size += w;
  const buf32 = keep ? take32(batch * size) : workArray32(Slot.Forward, batch * size);
  let at = 0;
  const take = (width: number) => buf32.subarray(at, (at += batch * width));
  const acts32 = [take(widths[0]!)];
  features(n, acts32[0]!);
  let z = acts32[0]!;
  for (let l = 0; l < layers; l++) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    z = take(nOut);
    const bias = bs[l]!;
    for (let r = 0; r < batch; r++) z.set(bias, r * nOut);
    threadsForProduct(blas, batch, nOut, nIn).gemm(false, false, batch, nOut, nIn, 1, acts32[l]!, nIn, ws[l]!, nOut, 1, z, nOut);
    if (l + 1 < layers) {
      if (n.activation === 'tanh') blas.tanhInPlace(z);
      else activateHost(z, n.activation, z);
      acts32.push(z);
    }
  }
  const out = workArray(Slot.Forward, z.length);
  for (let k = 0; k < z.length; k++) out[k] = z[k]!;
  return { buf: out, pooled: false, acts: [], buf32, acts32, work32: !keep, float32: true, out };
}

function backward32(n: Net, dy: Out, outs: readonly Out[], pass: Forward | undefined, accumulate: boolean, blas: NativeBlas): void {
  const acts32 = (pass ?? forward32(n, false, blas)).acts32!;
  const { batch, widths } = n;
  const { ws } = weights32(n);
  let gSlot: Slot = Slot.GradA;
  let g = workArray32(gSlot, dy.length);
  for (let k = 0; k < dy.length; k++) g[k] = dy[k]!;
  for (let l = n.ws.length - 1; l >= 0; l--) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const act = acts32[l]!;
    const dwOut = outs[1 + 2 * l]!;
    // dW = actsᵀ g: straight into a float32 output, else through a float32 work array into the float64 one.
    threadsForProduct(blas, nIn, nOut, batch);
    if (dwOut instanceof Float32Array) blas.gemm(true, false, nIn, nOut, batch, 1, act, nIn, g, nOut, accumulate ? 1 : 0, dwOut, nOut);
    else {
      const dw = workArray32(Slot.Product, nIn * nOut);
      blas.gemm(true, false, nIn, nOut, batch, 1, act, nIn, g, nOut, 0, dw, nOut);
      if (accumulate) for (let k = 0; k < dw.length; k++) dwOut[k] += dw[k]!;
      else for (let k = 0; k < dw.length; k++) dwOut[k] = dw[k]!;
    }
    blas.columnSums(g, batch, nOut, outs[2 + 2 * l]!, accumulate);
    // The gradient wrt this layer's input g·Wᵀ; for the first layer only its x columns (W's first rows), not the time column.
    const cols = l > 0 ? nIn : n.inputs;
    const ghSlot: Slot = gSlot === Slot.GradA ? Slot.GradB : Slot.GradA;
    const gh = workArray32(ghSlot, batch * cols);
    threadsForProduct(blas, batch, cols, nOut).gemm(false, true, batch, cols, nOut, 1, g, nOut, ws[l]!, nOut, 0, gh, cols);
    if (l > 0) {
      timesDerivative(gh, act, n.activation, blas);
      g = gh;
      gSlot = ghSlot;
    } else inputGradient(n, gh, outs[0]!, accumulate);
  }
  if (pass) releaseForward(pass);
}

/** How a host field evaluates the stack: the activation, the input transform, and whether t is an extra input column. */
export interface DenseHostCall {
  activation: Activation;
  inputTransform: InputTransform;
  timeDependent: boolean;
}

/**
 * The stack with parameter values [w0, b0, w1, b1, ...] (copied) as a host
 * vector field for `rows` states of `widths[0]` (minus the time column)
 * inputs: values kept for the vjp in pooled buffers.
 */
export function denseHostField(values: readonly ArrayLike<number>[], widths: readonly number[], rows: number, call: DenseHostCall): HostField {
  const ws = values.filter((_, i) => i % 2 === 0).map((v) => Float64Array.from(v));
  const bs = values.filter((_, i) => i % 2 === 1).map((v) => Float64Array.from(v));
  // The float32 route's copies, made once per field rather than per evaluation.
  const ws32 = values.filter((_, i) => i % 2 === 0).map((v) => Float32Array.from(v));
  const bs32 = values.filter((_, i) => i % 2 === 1).map((v) => Float32Array.from(v));
  const net = (t: number, x: Float64Array): Net => ({
    batch: rows,
    inputs: widths[0]! - (call.timeDependent ? 1 : 0),
    widths,
    x,
    ws,
    bs,
    ws32,
    bs32,
    activation: call.activation,
    inputTransform: call.inputTransform,
    time: call.timeDependent ? t : null,
  });
  return {
    value(t, x, out) {
      const pass = forward(net(t, x), true);
      out.set(pass.out);
      return pass;
    },
    vjp(t, x, saved, g, dx, dParams) {
      backward(net(t, x), g, [dx, ...dParams], saved as Forward, true);
    },
    discard: (saved) => releaseForward(saved as Forward),
  };
}
