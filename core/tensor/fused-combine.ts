/**
 * A fused Runge-Kutta combination kernel: y + Σ_j c_j k_j as one tfjs op.
 *
 * Composed from tfjs ops, a combination of s stages costs s multiplies, an
 * addN and an add, each a kernel launch of several microseconds: on small
 * neural ODEs that is more than the network itself. This kernel does it in
 * one pass over host memory for the backends whose data lives there (cpu,
 * wasm), with its gradient registered beside it (dL/dy = dy, dL/dk_j =
 * c_j·dy), so the tape and `tf.variableGrads` work unchanged. Other backends
 * use the composite ops.
 */
import { tf } from './tf.ts';

export const RK_COMBINE = 'OdelabRkCombine';
/** Backends whose tensor data lives in host memory, read without a device sync. */
export const HOST_BACKENDS = ['cpu', 'wasm'] as const;

interface CombineAttrs {
  coeffs: number[];
}

/** The wasm backend's zero-copy views of its heap (a subset of its class). */
interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

function combineInto(out: Float32Array, y: ArrayLike<number>, ks: ArrayLike<number>[], coeffs: readonly number[]): void {
  for (let i = 0; i < out.length; i++) out[i] = y[i]!;
  ks.forEach((k, j) => {
    const c = coeffs[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += c * k[i]!;
  });
}

const inputsOf = (inputs: tf.NamedTensorInfoMap, n: number) => Array.from({ length: n }, (_, j) => inputs[`k${j}`]!);

const cpuKernel: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as tf.KernelBackend;
  const { coeffs } = attrs as unknown as CombineAttrs;
  const y = inputs.y!;
  const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
  const out = new Float32Array(read(y).length);
  combineInto(out, read(y), inputsOf(inputs, coeffs.length).map(read), coeffs);
  return { dataId: backend.write(out, y.shape, 'float32'), shape: y.shape, dtype: 'float32' };
};

// On wasm, read and write the heap in place: readSync/write would copy every operand.
const wasmKernel: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const heap = anyBackend as unknown as WasmHeap;
  const { coeffs } = attrs as unknown as CombineAttrs;
  const y = inputs.y!;
  const result = heap.makeOutput(y.shape, 'float32');
  const read = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t);
  combineInto(read(result), read(y), inputsOf(inputs, coeffs.length).map(read), coeffs);
  return result;
};

tf.registerKernel({ kernelName: RK_COMBINE, backendName: 'cpu', kernelFunc: cpuKernel });
tf.registerKernel({ kernelName: RK_COMBINE, backendName: 'wasm', kernelFunc: wasmKernel });

tf.registerGradient({
  kernelName: RK_COMBINE,
  gradFunc: (dy, _saved, attrs) => {
    const { coeffs } = attrs as unknown as CombineAttrs;
    const grads: Record<string, () => tf.Tensor> = { y: () => dy as tf.Tensor };
    coeffs.forEach((c, j) => (grads[`k${j}`] = () => tf.mul(dy as tf.Tensor, c)));
    return grads;
  },
});

/** Whether the current backend keeps tensor data in host memory (and has the fused kernel). */
export function onHostBackend(): boolean {
  return (HOST_BACKENDS as readonly string[]).includes(tf.getBackend());
}

/** A tensor's values on a host backend, without a copy where the backend allows it (read only). */
export function hostValues(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as unknown as WasmHeap).typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

/** y + h Σ_j coeffs_j ks_j as one op (host backends, float32 states only). */
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
  return tf.engine().runKernel(RK_COMBINE, inputs, { coeffs: scaled } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
