// The kernel layer (core/tensor/kernels.ts) pins the numerics of every route: the float64 host loops, native
// OpenBLAS dgemm (when the add-on is built), the float32 route (sgemm, the add-on's tanh and bias sums) and
// tfjs-wasm's matMul (the composite ops) agree to float32
// rounding on products of ragged sizes, on dense stacks' values and gradients (x, weights, biases), and on
// the gradient of a whole host-backpropagated solve. Without the add-on the routes that exist are tested
// and a log line says the native route is absent.
import test from 'ava';
import { initBackend, Rng, tf } from 'odelab';
import { createRegistry } from 'odelab/node';
import { DenseStack } from '../../../core/nn/dense-stack.ts';
import { backpropTrajectory } from '../../../core/ode/backprop.ts';
import type { Integrator } from '../../../core/ode/types.ts';
import { matmulLoops } from '../../../core/tensor/dense-stack-host.ts';
import { compositeDenseStack, denseStackVjp, setFusedKernels, type DenseStackCall } from '../../../core/tensor/dense-stack-kernels.ts';
import {
  float32RouteFor,
  FLOAT32_ROUTE_MIN_WORK,
  kernelsDescription,
  nativeAvailable,
  nativeBlas,
  nativeGemmFor,
  nativeMaxThreads,
  setKernelMode,
  setNativeMaxThreads,
  setNativeThresholds,
  type KernelMode,
} from '../../../core/tensor/kernels.ts';

type Route = 'loops' | 'native' | 'float32' | 'wasm';

/** The routes this process can take: native and float32 only when the add-on loaded. */
function routes(t: { log(...v: unknown[]): void }): Route[] {
  if (nativeAvailable()) return ['loops', 'native', 'float32', 'wasm'];
  t.log(`native route absent (${kernelsDescription()}): testing the host loops and wasm only`);
  return ['loops', 'wasm'];
}

/**
 * Run f on a route: loops = ODELAB_KERNELS=js on cpu; native = every product to dgemm (float64), on cpu;
 * float32 = every stack on the float32 route (sgemm), on cpu; wasm = composite ops on wasm.
 */
async function onRoute<T>(route: Route, f: () => T): Promise<T> {
  await initBackend(route === 'wasm' ? 'wasm' : 'cpu');
  const mode: KernelMode = setKernelMode(route === 'native' || route === 'float32' ? 'native' : 'js');
  const thresholds = setNativeThresholds({ minWork: 0, float32MinWork: route === 'float32' ? 0 : Infinity });
  if (route === 'wasm') setFusedKernels(false);
  try {
    return f();
  } finally {
    setFusedKernels(true);
    setNativeThresholds(thresholds);
    setKernelMode(mode);
    await initBackend('cpu');
  }
}

function randoms(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(rng.normal()));
}

/** max |a − b| ≤ tol · max(1, max |b|). */
function closeTo(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): string | true {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst <= tol * scale ? true : `max difference ${worst.toExponential(2)} > ${tol} × ${scale.toPrecision(3)}`;
}

test.before(async () => {
  await initBackend('cpu');
});

const SHAPES: [number, number, number][] = [
  [3, 257, 5],
  [1, 1, 1],
  [7, 3, 50],
  [33, 64, 17],
  [130, 129, 65],
  [257, 300, 3],
];

test.serial('one product: host loops, dgemm (one and all threads, transposed operands) and wasm matMul agree', async (t) => {
  const rng = new Rng(11);
  for (const [m, k, n] of SHAPES) {
    const a = randoms(m * k, rng);
    const b = randoms(k * n, rng);
    const loops = new Float64Array(m * n);
    matmulLoops(a, b, false, m, k, n, loops);
    const wasm = await onRoute('wasm', () => tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(a), [m, k]), tf.tensor2d(Float32Array.from(b), [k, n])).dataSync()));
    // float32 products of float32 inputs with k terms: about √k ulps.
    t.true(closeTo(wasm, loops, 1e-5 * Math.sqrt(k)), `${m}×${k}×${n} wasm vs loops`);
    const blas = nativeBlas();
    if (!blas) continue;
    const threads = nativeMaxThreads();
    for (const th of new Set([1, threads])) {
      blas.setThreads(th);
      const c = new Float64Array(m * n);
      blas.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
      t.true(closeTo(c, loops, 1e-12 * k), `${m}×${k}×${n} dgemm (${th} threads) vs loops`);
      // Aᵀ stored [k, m] and Bᵀ stored [n, k]: the layouts the backward pass uses.
      const at = new Float64Array(k * m);
      const bt = new Float64Array(n * k);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[p * m + i] = a[i * k + p]!;
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j]!;
      const ct = new Float64Array(m * n);
      blas.gemm(true, true, m, n, k, 1, at, m, bt, k, 0, ct, n);
      t.true(closeTo(ct, loops, 1e-12 * k), `${m}×${k}×${n} dgemm transposed vs loops`);
      const c32 = new Float32Array(m * n);
      blas.gemm(false, false, m, n, k, 1, Float32Array.from(a), k, Float32Array.from(b), n, 0, c32, n);
      t.true(closeTo(c32, loops, 1e-5 * Math.sqrt(k)), `${m}×${k}×${n} sgemm vs loops`);
    }
    blas.setThreads(threads);
  }
  if (!nativeBlas()) t.log(`native route absent (${kernelsDescription()}): loops vs wasm only`);
});

test.serial('the add-on refuses mismatched arrays and shapes longer than the arrays', (t) => {
  const blas = nativeBlas();
  if (!blas) {
    t.log(`native route absent (${kernelsDescription()})`);
    t.pass();
    return;
  }
  const a = new Float64Array(6);
  // Errors made by Node-API in the add-on: checked by message (they are TypeError/RangeError from another constructor).
  const thrown = (f: () => void): string => {
    try {
      f();
    } catch (e) {
      return String((e as Error).message);
    }
    return 'nothing thrown';
  };
  t.regex(thrown(() => blas.gemm(false, false, 2, 3, 3, 1, a, 3, new Float64Array(9), 3, 0, new Float64Array(5), 3)), /shorter/);
  t.regex(thrown(() => blas.gemm(false, false, 2, 2, 3, 1, a, 3, new Float32Array(6) as never, 2, 0, new Float64Array(4), 2)), /must all be Float32Array or all Float64Array/);
});

test.serial("the add-on's vector tanh matches Math.tanh to a few ulps, NaN and infinities included", (t) => {
  const blas = nativeBlas();
  if (!blas) {
    t.log(`native route absent (${kernelsDescription()})`);
    t.pass();
    return;
  }
  const rng = new Rng(4);
  const z = Float64Array.from({ length: 1001 }, (_, i) => (i % 7 === 0 ? 1e-9 : 1) * 6 * rng.normal());
  z.set([NaN, Infinity, -Infinity, 0, -0, 800, -800, 1e-300], 0);
  const a = Float64Array.from(z);
  blas.tanhInPlace(a);
  let worst = 0;
  for (let i = 8; i < z.length; i++) worst = Math.max(worst, Math.abs(a[i]! - Math.tanh(z[i]!)) / Math.abs(Math.tanh(z[i]!)));
  t.true(worst < 1e-14, `max relative error ${worst}`);
  t.deepEqual(Array.from(a.subarray(0, 8)), [NaN, 1, -1, 0, -0, 1, -1, 1e-300]);
});

test.serial("the add-on's float32 kernels: tanh, its derivative and column sums", (t) => {
  const blas = nativeBlas();
  if (!blas) {
    t.log(`native route absent (${kernelsDescription()})`);
    t.pass();
    return;
  }
  const rng = new Rng(6);
  // 1003 elements: the vector loops' remainders are covered as well as their full lanes.
  const z = Float32Array.from({ length: 1003 }, (_, i) => (i % 5 === 0 ? 1e-6 : 1) * 4 * rng.normal());
  z.set([NaN, Infinity, -Infinity, 0, 90], 0);
  const a = Float32Array.from(z);
  blas.tanhInPlace(a);
  let worst = 0;
  for (let i = 5; i < z.length; i++) worst = Math.max(worst, Math.abs(a[i]! - Math.tanh(z[i]!)) / Math.abs(Math.tanh(z[i]!)));
  t.true(worst < 4e-7, `max relative error ${worst} (float32: a few ulps)`);
  t.deepEqual(Array.from(a.subarray(0, 5)), [NaN, 1, -1, 0, 1]);

  const g = Float32Array.from({ length: 1003 }, () => rng.normal());
  const expected = Array.from(g, (v, i) => Math.fround(v * Math.fround(1 - Math.fround(a[i]! * a[i]!))));
  blas.tanhBackward(g, a);
  for (let i = 5; i < g.length; i++) if (Math.abs(g[i]! - expected[i]!) > 1e-6 * Math.abs(expected[i]!)) t.fail(`tanhBackward at ${i}: ${g[i]} vs ${expected[i]}`);

  const [rows, cols] = [37, 1100]; // wider than the kernel's stack accumulator
  const m = Float32Array.from({ length: rows * cols }, () => rng.normal());
  const sums = (c: number) => Array.from({ length: rows }, (_, r) => m[r * cols + c]!).reduce((x, y) => x + y, 0);
  const out = Float64Array.from({ length: cols }, () => 1);
  blas.columnSums(m, rows, cols, out, true);
  const out32 = new Float32Array(cols);
  blas.columnSums(m, rows, cols, out32, false);
  for (const c of [0, 1, 511, 1024, cols - 1]) {
    t.true(Math.abs(out[c]! - (1 + sums(c))) < 1e-12, `column ${c} accumulated`);
    t.is(out32[c], Math.fround(sums(c)), `column ${c} into float32`);
  }
});

test.serial('routing by size: small products stay on the loops, large ones go native; ODELAB_KERNELS=js turns it off', (t) => {
  if (!nativeAvailable()) {
    t.is(nativeGemmFor(1000, 1000, 1000), null);
    t.regex(kernelsDescription(), /^js/);
    t.log(`native route absent (${kernelsDescription()})`);
    return;
  }
  t.is(nativeGemmFor(8, 8, 8), null, 'a tiny product stays on the loops');
  t.truthy(nativeGemmFor(20, 50, 2), 'from about a thousand multiply-adds: dgemm');
  t.truthy(nativeGemmFor(256, 256, 256));
  t.is(float32RouteFor(50 * 50 * 20), null, 'a small stack keeps its float64 numbers');
  t.truthy(float32RouteFor(FLOAT32_ROUTE_MIN_WORK), 'a large one runs in float32 on sgemm');
  const before = setKernelMode('js');
  t.is(nativeGemmFor(256, 256, 256), null);
  t.is(float32RouteFor(1e9), null);
  t.regex(kernelsDescription(), /^js/);
  setKernelMode(before);
  t.regex(kernelsDescription(), /^openblas/);
});

/** Random float32-exact parameters for these widths. */
function netTensors(widths: readonly number[], rows: number, seed: number) {
  const rng = new Rng(seed);
  const ws = widths.slice(1).map((out, l) => Float32Array.from({ length: widths[l]! * out }, () => Math.fround((1.2 * rng.normal()) / Math.sqrt(widths[l]!))));
  const bs = widths.slice(1).map((out) => Float32Array.from({ length: out }, () => Math.fround(0.3 * rng.normal())));
  const x = Float32Array.from({ length: rows * (widths[0]! - 1) }, () => Math.fround(rng.range(-1.5, 1.5)));
  const dy = Float32Array.from({ length: rows * widths.at(-1)! }, () => Math.fround(rng.normal()));
  return { ws, bs, x, dy };
}

// Nets with a time column (widths[0] = inputs + 1), ragged sizes, every activation used by the models.
const NETS: { widths: number[]; rows: number; activation: DenseStackCall['activation'] }[] = [
  { widths: [4, 257, 5], rows: 3, activation: 'tanh' },
  { widths: [3, 50, 2], rows: 20, activation: 'softplus' },
  { widths: [6, 64, 33, 5], rows: 17, activation: 'relu' },
  { widths: [9, 129, 130, 8], rows: 65, activation: 'elu' },
  { widths: [3, 96, 96, 2], rows: 256, activation: 'sigmoid' },
  // 500 · (4 + 300 + 300) activations ≥ KEEP_FLOAT32_MIN_ELEMENTS: a kept pass holds them as float32.
  { widths: [4, 300, 300, 3], rows: 500, activation: 'tanh' },
];

for (const { widths, rows, activation } of NETS) {
  test.serial(`dense stack ${widths.join('-')} × ${rows} (${activation}): value and gradients (x, weights, biases) agree across routes`, async (t) => {
    const { ws, bs, x, dy } = netTensors(widths, rows, widths.length * 7 + rows);
    const o: DenseStackCall = { activation, inputTransform: 'cube', time: 0.35 };
    const results: Record<string, { value: Float32Array; grads: Float32Array[] }> = {};
    for (const route of routes(t)) {
      results[route] = await onRoute(route, () =>
        tf.tidy(() => {
          const xt = tf.tensor2d(x, [rows, widths[0]! - 1]);
          const wt = ws.map((w, l) => tf.tensor2d(w, [widths[l]!, widths[l + 1]!]));
          const bt = bs.map((b) => tf.tensor1d(b));
          const r = denseStackVjp(xt, wt, bt, o, tf.tensor2d(dy, [rows, widths.at(-1)!]));
          return { value: r.value.dataSync() as Float32Array, grads: [r.dx, ...r.dParams].map((g) => g.dataSync() as Float32Array) };
        }),
      );
    }
    // The reference: the composite ops on cpu (tfjs's own float32 kernels).
    const ref = tf.tidy(() => compositeDenseStack(tf.tensor2d(x, [rows, widths[0]! - 1]), ws.map((w, l) => tf.tensor2d(w, [widths[l]!, widths[l + 1]!])), bs.map((b) => tf.tensor1d(b)), o).dataSync());
    const names = ['dx', ...ws.flatMap((_, l) => [`dW${l}`, `db${l}`])];
    for (const [route, r] of Object.entries(results)) {
      t.true(closeTo(r.value, ref, 2e-5), `${route} value: ${closeTo(r.value, ref, 2e-5)}`);
      r.grads.forEach((g, i) => {
        const base = results.loops!.grads[i]!;
        const verdict = closeTo(g, base, 5e-5);
        t.true(verdict, `${route} ${names[i]} vs loops: ${verdict}`);
      });
    }
  });
}

test.serial('a whole host-backpropagated solve: the gradient agrees between routes', async (t) => {
  const registry = createRegistry();
  const rk4 = registry.get('integrator', 'rk4');
  const integrator = rk4.create(rk4.options.parse({ step: 0.1 }, 'integrator')) as Integrator;
  const rows = 40;
  const dim = 3;
  const times = [0, 0.25, 0.5, 1];
  const rng = new Rng(5);
  const y0v = Float32Array.from({ length: rows * dim }, () => Math.fround(rng.range(-1, 1)));
  const lw = Float32Array.from({ length: times.length * rows * dim }, () => Math.fround(rng.normal()));
  const gradsOn = (route: Route) =>
    onRoute(route, () => {
      const net = new DenseStack({ widths: [dim, 130, 70, dim], activation: 'tanh', init: 'glorot-normal', rng: new Rng(9), name: `kernels-${route}-${Math.random()}` });
      const y0 = tf.variable(tf.tensor2d(y0v, [rows, dim]), true, `kernels-y0-${route}-${Math.random()}`);
      const hostField = (n: number) => net.hostField(n, { timeDependent: false });
      const field = route === 'wasm' ? null : hostField(rows);
      if (route !== 'wasm') t.truthy(field, `${route}: the host path applies`);
      const { grads } = tf.variableGrads(() => {
        const ys = backpropTrajectory({ func: (_t, x) => net.apply(x), y0, t: times, integrator, params: net.variables, ...(field ? { hostField } : {}) }).ys;
        return tf.sum(tf.mul(ys, tf.tensor3d(lw, [times.length, rows, dim]))) as tf.Scalar;
      }, [y0, ...net.variables]);
      const out = [y0, ...net.variables].map((v) => Float64Array.from(grads[v.name]!.dataSync()));
      tf.dispose(Object.values(grads));
      y0.dispose();
      net.dispose();
      return out;
    });
  // One route at a time (onRoute switches backends); compared with the loops' float64 tape.
  const all = {} as Record<Route, Float64Array[]>;
  for (const r of routes(t)) all[r] = await gradsOn(r);
  for (const route of Object.keys(all) as Route[]) {
    all[route].forEach((g, i) => {
      const tol = route === 'native' ? 1e-6 : 1e-4; // native: float64 like the loops; float32 and wasm: float32 arithmetic
      const verdict = closeTo(g, all.loops[i]!, tol);
      t.true(verdict, `${route} gradient ${i} vs loops: ${verdict}`);
    });
  }
});

test.serial('more threads leave a large product unchanged', (t) => {
  const blas = nativeBlas();
  if (!blas) {
    t.log(`native route absent (${kernelsDescription()})`);
    t.pass();
    return;
  }
  const before = nativeMaxThreads();
  const rng = new Rng(2);
  const [m, k, n] = [300, 301, 299];
  const a = randoms(m * k, rng);
  const b = randoms(k * n, rng);
  const run = (th: number) => {
    setNativeMaxThreads(th);
    const c = new Float64Array(m * n);
    nativeGemmFor(m, n, k)!.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
    return c;
  };
  const one = run(1);
  const many = run(Math.max(2, before));
  setNativeMaxThreads(before);
  t.true(closeTo(many, one, 1e-12 * k));
});
