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
import { isolatedGradients } from './nested-gradients.ts';
import { tf } from './tf.ts';
import { fusedGradientsNow, fusedKernelsEnabled, onHostBackend, registerHostKernel } from './fused-combine.ts';
import { backward, forward, Slot, workArray, type Activation, type Forward, type InputTransform, type Net } from './dense-stack-host.ts';
import { nativeAvailable } from './kernels.ts';

export { setFusedKernels } from './fused-combine.ts';

export const DENSE_STACK = 'OdelabDenseStack';
export const DENSE_STACK_GRAD = 'OdelabDenseStackGrad';

export { ACTIVATIONS, INPUT_TRANSFORMS, type Activation, type InputTransform } from './dense-stack-host.ts';

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
  /**
   * Present when a gradient may follow (the tape is recording, or a vjp
   * call): fresh per call, the forward kernel leaves its intermediates here,
   * and tfjs hands this attrs object to the gradient (it lives as long as the
   * tape node). The gradient kernel takes them and returns their buffer to the pool.
   */
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
function fusedCall(
  operands: readonly tf.Tensor[],
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
  o: DenseStackCall,
  gradientFollows: boolean,
): DenseAttrs | null {
  if (!operands.every((t) => t?.dtype === 'float32')) return null;
  const widths = widthsOf(x, weights, biases, o.time != null);
  if (!widths || !hostDenseAllowed(x.shape[0]!, widths)) return null;
  const attrs: DenseAttrs = { activation: o.activation, inputTransform: o.inputTransform ?? 'none', time: o.time ?? null };
  if (gradientFollows) attrs.memo = {};
  return attrs;
}

/** x [B, in] → [B, out] through the layers: one fused kernel on host backends, composite ops elsewhere. */
export function denseStack(x: tf.Tensor, weights: readonly tf.Tensor[], biases: readonly tf.Tensor[], o: DenseStackCall): tf.Tensor {
  const operands = [x, ...weights.flatMap((w, i) => [w, biases[i]!])];
  const attrs = fusedCall(operands, x, weights, biases, o, tf.engine().isTapeOn());
  if (!attrs) return compositeDenseStack(x, weights, biases, o);
  registerDenseStackKernels();
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
  const attrs = fusedCall(operands, x, weights, biases, o, true);
  if (attrs) {
    registerDenseStackKernels();
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

/** The layer widths (features first), or null when the shapes do not chain (the composite ops then raise tfjs's own errors). */
function widthsOf(x: tf.Tensor, ws: readonly tf.Tensor[], bs: readonly tf.Tensor[], timed: boolean): number[] | null {
  if (x.rank !== 2 || ws.length === 0 || bs.length !== ws.length) return null;
  const widths = [x.shape[1]! + (timed ? 1 : 0)];
  for (let i = 0; i < ws.length; i++) {
    const [w, b] = [ws[i]!, bs[i]!];
    if (w.rank !== 2 || w.shape[0] !== widths[i] || b.rank !== 1 || b.shape[0] !== w.shape[1]) return null;
    widths.push(w.shape[1]!);
  }
  return widths;
}

/** Multiply-adds per row of a stack of these widths, an activation counted as 8. */
function workOfWidths(widths: readonly number[]): number {
  let work = 0;
  for (let i = 0; i + 1 < widths.length; i++) work += widths[i]! * widths[i + 1]! + (i + 2 < widths.length ? 8 * widths[i + 1]! : 0);
  return work;
}

/**
 * Whether the host path beats the composite ops for `rows` evaluations of a
 * stack of these widths now: fused kernels on, a host backend, and on wasm
 * either the native kernels loaded (kernels.ts: large products then go to
 * dgemm inside the host loops) or no more work than WASM_FUSED_WORK_LIMIT
 * (above it, without native kernels, tfjs-wasm's XNNPACK matMul wins).
 * Decides the fused kernels and the host-backpropagated solve alike.
 */
export function hostDenseAllowed(rows: number, widths: readonly number[]): boolean {
  if (!fusedKernelsEnabled() || !onHostBackend()) return false;
  return tf.getBackend() !== 'wasm' || rows * workOfWidths(widths) <= WASM_FUSED_WORK_LIMIT || nativeAvailable();
}

// ---- the kernels and the gradient ----

/** The net of a kernel call from operand values [x, w0, b0, w1, b1, ...] (copied to a work array) and their infos. */
function netOf(values: readonly Float32Array[], ops: readonly tf.TensorInfo[], attrs: DenseAttrs): Net {
  const layers = (ops.length - 1) / 2;
  let total = 0;
  for (let i = 1; i < values.length; i++) total += values[i]!.length;
  const params = workArray(Slot.Params, total);
  const views: Float64Array[] = [];
  let at = 0;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    const view = params.subarray(at, at + v.length);
    for (let k = 0; k < v.length; k++) view[k] = v[k]!;
    views.push(view);
    at += v.length;
  }
  return {
    batch: ops[0]!.shape[0]!,
    inputs: ops[0]!.shape[1]!,
    widths: [ops[1]!.shape[0]!, ...Array.from({ length: layers }, (_, l) => ops[1 + 2 * l]!.shape[1]!)],
    x: values[0]!,
    ws: views.filter((_, i) => i % 2 === 0),
    bs: views.filter((_, i) => i % 2 === 1),
    // The operands are float32 already: the float32 route (dense-stack-host.ts) uses them as they are.
    ws32: values.slice(1).filter((_, i) => i % 2 === 0),
    bs32: values.slice(1).filter((_, i) => i % 2 === 1),
    activation: attrs.activation,
    inputTransform: attrs.inputTransform,
    time: attrs.time,
  };
}

/** Operands listed by position: '0' is x (or dy), then the rest in order. */
const positional = (inputs: tf.NamedTensorInfoMap) => Object.keys(inputs).map((k) => inputs[k]!);

let denseStackRegistered = false;
/** Register the dense stack kernel, its gradient kernel and its gradient on cpu and wasm (idempotent; denseStack and denseStackVjp call it). */
export function registerDenseStackKernels(): void {
  if (denseStackRegistered) return;
  denseStackRegistered = true;
  registerHostKernel<DenseAttrs>(DENSE_STACK, {
    operands: positional,
    outputShapes: (ops) => [[ops[0]!.shape[0]!, ops[ops.length - 2]!.shape[1]!]],
    compute(values, [out], ops, attrs) {
      const keep = attrs.memo !== undefined;
      const pass = forward(netOf(values, ops, attrs), keep);
      out!.set(pass.out);
      if (keep) attrs.memo!.forward = pass;
    },
  });

  // Operands [dy, x, w0, b0, ...]; outputs [dx, dw0, db0, ...].
  registerHostKernel<DenseAttrs>(DENSE_STACK_GRAD, {
    operands: positional,
    outputShapes: (ops) => ops.slice(1).map((t) => t.shape),
    compute(values, outs, ops, attrs) {
      // The forward kernel's intermediates, taken once: a second backward pass with these attrs recomputes them.
      const kept = attrs.memo?.forward;
      if (attrs.memo) attrs.memo.forward = undefined;
      backward(netOf(values.slice(1), ops.slice(1), attrs), values[0]!, outs, kept, false);
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
}
