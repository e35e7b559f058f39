/**
 * tfjs's BatchMatMul on the cpu and wasm backends, routed by size: a
 * product of at least NATIVE_MATMUL_MIN_WORK multiply-adds goes to
 * OpenBLAS's sgemm through the optional add-on (kernels.ts), smaller ones
 * and broadcast batches to the backend's own kernel (XNNPACK on wasm).
 *
 * Every tfjs matMul then takes the faster kernel, whoever wrote it: the
 * LNN's forward-mode products (core/physics/lagrangian-accel.ts), the
 * composite dense stacks, a user's own tfjs vector field, and the gradients
 * tfjs derives for all of them (they are matMuls too). Without the add-on,
 * or with ODELAB_KERNELS=js, nothing is replaced.
 */
import { nativeBlas, threadsForProduct } from './kernels.ts';
import { tf } from './tf.ts';

/**
 * Multiply-adds (batch · m · n · k) from which sgemm replaces the backend's
 * kernel. `npm run bench -- kernels` (docs/kernels.md): sgemm is ahead of
 * tfjs-wasm's matMul at every size measured, by 8× at 32³ (where tfjs's
 * per-call cost dominates) and 2.5-3× from 128³ on; the line is drawn at
 * 32³ so that the products of small networks keep tfjs's own kernel and
 * their numbers.
 */
export const NATIVE_MATMUL_MIN_WORK = 32 * 32 * 32;

/** The wasm backend's heap, as fused-combine.ts reads and writes it. */
interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

const routed = new Set<string>();
let minWork = NATIVE_MATMUL_MIN_WORK;

/** Move the threshold (tests: 0 sends every product to sgemm); returns the previous one. */
export function setNativeMatMulMinWork(work: number): number {
  const before = minWork;
  minWork = work;
  return before;
}

/** The product's sizes when sgemm should compute it, else null (small, broadcast batch, not float32, no add-on). */
function plan(a: tf.TensorInfo, b: tf.TensorInfo, { transposeA, transposeB }: MatMulAttrs) {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  // Equal leading dimensions only: tfjs's kernel handles broadcasting.
  if (batchA.length !== batchB.length || batchA.some((d, i) => d !== batchB[i])) return null;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  if (k !== kb) return null; // tfjs's kernel raises its own error
  const batch = batchA.reduce((p, d) => p * d, 1);
  if (batch * m * n * k < minWork || m === 0 || n === 0) return null;
  const blas = nativeBlas();
  return blas ? { blas, batch, m, n, k, outShape: [...batchA, m, n] } : null;
}

type Plan = NonNullable<ReturnType<typeof plan>>;

/** out = a·b (+ bias, a row vector added to every row), batch by batch. */
function compute(
  { blas, batch, m, n, k }: Plan,
  av: Float32Array,
  bv: Float32Array,
  out: Float32Array,
  { transposeA, transposeB }: MatMulAttrs,
  bias?: Float32Array,
): void {
  threadsForProduct(blas, m, n, k);
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  if (bias) for (let r = 0; r < batch * m; r++) out.set(bias, r * n);
  for (let i = 0; i < batch; i++) {
    const A = batch === 1 ? av : av.subarray(i * m * k, (i + 1) * m * k);
    const B = batch === 1 ? bv : bv.subarray(i * k * n, (i + 1) * k * n);
    const C = batch === 1 ? out : out.subarray(i * m * n, (i + 1) * m * n);
    blas.gemm(transposeA, transposeB, m, n, k, 1, A, lda, B, ldb, bias ? 1 : 0, C, n);
  }
}

interface FusedAttrs extends MatMulAttrs {
  activation?: string;
}

/**
 * Replace the backend's BatchMatMul and _FusedMatMul by size-routed ones
 * (once per backend; the backend's own kernels are kept for what stays
 * with them: small products, broadcast batches, and fused matMuls with an
 * activation or a bias that is not one row). Called by initBackend for cpu
 * and wasm.
 */
export function routeMatMulBySize(backendName: 'cpu' | 'wasm'): void {
  if (routed.has(backendName)) return;
  routed.add(backendName);
  reroute('BatchMatMul', backendName, () => undefined);
  reroute('_FusedMatMul', backendName, (inputs, attrs: FusedAttrs, n) => {
    const { bias, preluActivationWeights } = inputs;
    if (preluActivationWeights || (attrs.activation ?? 'linear') !== 'linear') return null;
    if (!bias) return undefined;
    return bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n ? bias : null;
  });
}

/**
 * Put a routed kernel in place of the backend's `name`. `extra` inspects the
 * call: null = leave it to the backend's kernel; a tensor = a bias row to add;
 * undefined = a plain product.
 */
function reroute(
  name: string,
  backendName: 'cpu' | 'wasm',
  extra: (inputs: tf.NamedTensorInfoMap, attrs: FusedAttrs, n: number) => tf.TensorInfo | null | undefined,
): void {
  const own = tf.getKernel(name, backendName);
  if (!own) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as FusedAttrs;
    const p = plan(a, b, attrs);
    const bias = p ? extra(args.inputs, attrs, p.n) : null;
    if (!p || bias === null) return own.kernelFunc(args);
    if (backendName === 'wasm') {
      const heap = args.backend as unknown as WasmHeap;
      // The output first: allocating may grow the heap and detach views taken before.
      const out = heap.makeOutput(p.outShape, 'float32');
      const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t);
      compute(p, view(a), view(b), view(out), attrs, bias && view(bias));
      return out;
    }
    const backend = args.backend as tf.KernelBackend;
    const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
    const out = new Float32Array(p.batch * p.m * p.n);
    compute(p, read(a), read(b), out, attrs, bias && read(bias));
    return { dataId: backend.write(out, p.outShape, 'float32'), shape: p.outShape, dtype: 'float32' };
  };
  tf.unregisterKernel(name, backendName);
  tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: own.setupFunc, disposeFunc: own.disposeFunc });
}
