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

const kernelFunc: tf.KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as tf.KernelBackend;
  const { coeffs } = attrs as unknown as CombineAttrs;
  const y = inputs.y as tf.TensorInfo;
  const out = Float32Array.from(backend.readSync(y.dataId) as Float32Array);
  coeffs.forEach((c, j) => {
    const k = backend.readSync((inputs[`k${j}`] as tf.TensorInfo).dataId) as Float32Array;
    for (let i = 0; i < out.length; i++) out[i]! += c * k[i]!;
  });
  return { dataId: backend.write(out, y.shape, 'float32'), shape: y.shape, dtype: 'float32' };
};

for (const backendName of HOST_BACKENDS) tf.registerKernel({ kernelName: RK_COMBINE, backendName, kernelFunc });

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
