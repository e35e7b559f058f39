/**
 * A fused Runge-Kutta combination kernel: y + Σ_j c_j k_j as one tfjs op.
 *
 * Composed from tfjs ops, a combination of s stages costs s multiplies, an
 * addN and an add, each a kernel launch of several microseconds: on small
 * neural ODEs that is more than the network itself. This kernel does it in
 * one pass over host memory for the backends whose data lives there (cpu,
 * wasm), with its gradient registered beside it (dL/dy = dy, dL/dk_j =
 * c_j·dy, every k_j by one more kernel), so the tape and `tf.variableGrads`
 * work unchanged. Other backends use the composite ops.
 *
 * `registerHostKernel` is the shared plumbing of this file's kernels and of
 * the fused dense stack (dense-stack-kernels.ts): the same loop on cpu (readSync /
 * write) and on wasm (the heap read and written in place). Importing these
 * modules registers nothing: each has a register…Kernels() function
 * (idempotent) that its dispatching function calls before the first kernel
 * runs (fusedCombine here, denseStack, lagrangianAcceleration, the fused Adam).
 */
import { tf } from './tf.ts';

export const RK_COMBINE = 'OdelabRkCombine';
export const RK_COMBINE_GRAD = 'OdelabRkCombineGrad';
/** Backends whose tensor data lives in host memory, read without a device sync. */
export const HOST_BACKENDS = ['cpu', 'wasm'] as const;

let fusedEnabled = true;

/**
 * Switch the fused kernels added for training speed (the dense stack and its
 * gradient, the combination's gradient kernel) off and on, for benchmarks and
 * tests: off is the composite behaviour. The combination's forward kernel stays.
 */
export function setFusedKernels(on: boolean): void {
  fusedEnabled = on;
}

export function fusedKernelsEnabled(): boolean {
  return fusedEnabled;
}

/**
 * Whether a gradient function may use its fused kernel: fused kernels on, and
 * the backward pass not itself recorded (the gradient kernels have no
 * gradients; a recorded backward, for higher-order derivatives, takes the
 * differentiable composite path).
 */
export function fusedGradientsNow(): boolean {
  return fusedEnabled && !tf.engine().isTapeOn();
}

/** The wasm backend's zero-copy views of its heap (a subset of its class). */
interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** A float32 kernel computed in one pass over host memory. */
export interface HostKernelSpec<A> {
  /** The input tensors, in the order `compute` sees their values. */
  operands(inputs: tf.NamedTensorInfoMap, attrs: A): tf.TensorInfo[];
  outputShapes(operands: readonly tf.TensorInfo[], attrs: A): number[][];
  /** Fill `outputs` (fresh, zeroed on cpu, uninitialised on wasm) from the operands' values. */
  compute(values: readonly Float32Array[], outputs: readonly Float32Array[], operands: readonly tf.TensorInfo[], attrs: A): void;
  /** Return a list of outputs (a multi-output kernel) rather than one tensor. */
  multiOutput?: boolean;
}

/** Register `spec` as kernel `kernelName` on the cpu and wasm backends. */
export function registerHostKernel<A>(kernelName: string, spec: HostKernelSpec<A>): void {
  const finish = (infos: tf.TensorInfo[]) => (spec.multiOutput ? infos : infos[0]!);
  const cpu: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as tf.KernelBackend;
    const a = attrs as unknown as A;
    const ops = spec.operands(inputs, a);
    const shapes = spec.outputShapes(ops, a);
    const outs = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
    spec.compute(ops.map((t) => backend.readSync(t.dataId) as Float32Array), outs, ops, a);
    return finish(outs.map((v, i): tf.TensorInfo => ({ dataId: backend.write(v, shapes[i]!, 'float32'), shape: shapes[i]!, dtype: 'float32' })));
  };
  // On wasm, read and write the heap in place: readSync/write would copy every operand.
  const wasm: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
    const heap = anyBackend as unknown as WasmHeap;
    const a = attrs as unknown as A;
    const ops = spec.operands(inputs, a);
    // Every output is allocated before any view is taken: an allocation may grow the heap and detach earlier views.
    const results = spec.outputShapes(ops, a).map((s) => heap.makeOutput(s, 'float32'));
    const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t);
    spec.compute(ops.map(view), results.map(view), ops, a);
    return finish(results);
  };
  tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc: cpu });
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: wasm });
}

interface CombineAttrs {
  coeffs: number[];
  /** The rounding error carried by y (see fusedCombine), or null: added to the increment. */
  carry?: Float32Array | null;
  /** Filled with the rounding error of the result, when given. */
  carryOut?: Float32Array | null;
}

const stages = (inputs: tf.NamedTensorInfoMap, n: number) => Array.from({ length: n }, (_, j) => inputs[`k${j}`]!);

/** Whether the current backend keeps tensor data in host memory (and has the fused kernel). */
export function onHostBackend(): boolean {
  return (HOST_BACKENDS as readonly string[]).includes(tf.getBackend());
}

/** A tensor's values on a host backend, without a copy where the backend allows it (read only). */
export function hostValues(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as unknown as WasmHeap).typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

/**
 * The rounding error of each combination's result, by result tensor (compensated summation,
 * Kahan's trick applied to the solver state). A float32 state rounds at every accepted step,
 * an error of eps·|y| that accumulates over the steps whatever the tolerance; that, not the
 * method, limited float32 solves at rtol 1e-7 and below (on an orbit with e = 0.9 over three
 * periods, a float32 state rounded once per step leaves about 3e-3 at any rtol, against 6e-6
 * for float64 at rtol 1e-10). The next combination from that state adds the carried error
 * back into its increment, so the state behaves as if it had about twice float32's precision:
 * what is left are the rounding of stage inputs and of f itself, each damped by h·|∂f/∂y| or
 * h·|f|/|y|. On the tape the attributes (with both carries) are kept for the backward pass.
 * Only the forward values change (by less than an ulp); the gradient treats the carry as a
 * constant. Held weakly: a state's carry goes when the tensor object does.
 */
const carries = new WeakMap<tf.Tensor, Float32Array>();

/** y + h Σ_j coeffs_j ks_j as one op (host backends, float32 states only), rounded once, with y's carried rounding error. */
export function fusedCombine(y: tf.Tensor, h: number, coeffs: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor {
  const inputs: tf.NamedTensorMap = { y };
  const scaled: number[] = [];
  ks.forEach((k, j) => {
    const c = coeffs[j] ?? 0;
    if (c === 0) return;
    inputs[`k${scaled.length}`] = k;
    scaled.push(h * c);
  });
  if (scaled.length === 0) return y;
  registerRkCombineKernels();
  const carryOut = new Float32Array(y.size);
  const attrs: CombineAttrs = { coeffs: scaled, carry: carries.get(y) ?? null, carryOut };
  const out = tf.engine().runKernel(RK_COMBINE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  carries.set(out, carryOut);
  return out;
}

let rkCombineRegistered = false;
/** Register the combination kernel, its gradient kernel and its gradient on cpu and wasm (idempotent; fusedCombine calls it). */
export function registerRkCombineKernels(): void {
  if (rkCombineRegistered) return;
  rkCombineRegistered = true;
  registerHostKernel<CombineAttrs>(RK_COMBINE, {
    operands: (inputs, { coeffs }) => [inputs.y!, ...stages(inputs, coeffs.length)],
    outputShapes: (ops) => [ops[0]!.shape],
    compute([y, ...ks], [out], _ops, { coeffs, carry, carryOut }) {
      // Precision: the increment Σ_j c_j k_j (plus y's carried rounding error) is summed in float64
      // and added to y once, so the result is rounded to float32 once. Accumulating term by term into
      // the float32 output (as this kernel used to) rounded every partial sum at y's ulp: s roundings
      // per combination instead of one (with the carry below missing too, float32 dopri5 at rtol 1e-7
      // was 9× less accurate than float64 on a close-approach orbit; docs/benchmarks.md#precision).
      const o = out!;
      const base = y!;
      const s = ks.length;
      for (let i = 0; i < o.length; i++) {
        let inc = carry ? carry[i]! : 0;
        for (let j = 0; j < s; j++) inc += coeffs[j]! * ks[j]![i]!;
        const yi = base[i]!;
        const r = Math.fround(yi + inc);
        o[i] = r;
        // yi - r is exact in float64 (both are float32 and close); what float32 could not hold.
        if (carryOut) carryOut[i] = yi - r + inc;
      }
    },
  });

  // dL/dk_j = c_j·dy for every stage at once.
  registerHostKernel<CombineAttrs>(RK_COMBINE_GRAD, {
    operands: (inputs) => [inputs.dy!],
    outputShapes: (ops, { coeffs }) => coeffs.map(() => ops[0]!.shape),
    compute([dy], outs, _ops, { coeffs }) {
      outs.forEach((out, j) => {
        const c = coeffs[j]!;
        for (let i = 0; i < out.length; i++) out[i] = c * dy![i]!;
      });
    },
    multiOutput: true,
  });

  tf.registerGradient({
    kernelName: RK_COMBINE,
    gradFunc: (dy, _saved, attrs) => {
      const { coeffs } = attrs as unknown as CombineAttrs;
      const d = dy as tf.Tensor;
      // One kernel per backward pass, run here rather than in the per-input
      // functions: tfjs calls each of those inside its own tidy, which would
      // dispose the outputs handed out later.
      const ks = fusedGradientsNow()
        ? (tf.engine().runKernel(RK_COMBINE_GRAD, { dy: d }, { coeffs } as unknown as tf.NamedAttrMap) as tf.Tensor[])
        : null;
      const grads: Record<string, () => tf.Tensor> = { y: () => d };
      coeffs.forEach((c, j) => (grads[`k${j}`] = ks ? () => ks[j]! : () => tf.mul(d, c)));
      return grads;
    },
  });
}
