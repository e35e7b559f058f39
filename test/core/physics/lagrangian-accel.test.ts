// The LNN's accelerations (eq. 8) by forward-mode propagation, and their
// hand-written gradient, against the same network in float64 (exact
// derivatives of L by jets, parameter derivatives by central differences)
// and against the tape's gradient of the composite implementation.
import test from 'ava';
import { tf } from '../../../core/tensor/tf.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { Rng } from '../../../core/random.ts';
import { compositeLagrangianAcceleration, lagrangianAcceleration, type LagrangianNet } from '../../../core/physics/lagrangian-accel.ts';
import { type LnnActivation } from '../../../core/physics/lnn-kernels.ts';
import { newSolveCounter, releaseSolveCounter } from '../../../core/physics/lnn-solve-kernels.ts';
import { symmetricEigen } from '../../../core/physics/linalg-small.ts';
import { Dual } from '../../../core/physics/dual.ts';
import { featureCount } from '../../../core/physics/lnn-feature-kernels.ts';

interface Net64 {
  W: Float64Array[];
  shapes: [number, number][];
  b: Float64Array[];
  act: LnnActivation;
  /** Angle coordinates fed as (cos, sin). */
  features?: boolean[];
}

/** q̈ by eq. 8 in float64 with exact derivatives of L (jets), and cond(∇q̇∇q̇ᵀL). */
function acceleration64(net: Net64, x: number[], n: number): number[] {
  return solve64(net, x, n).acc;
}

function solve64(net: Net64, x: number[], n: number): { acc: number[]; cond: number } {
  // L and its exact gradient and Hessian in float64, by jets (core/physics/dual.ts).
  const vars = Dual.variables(x);
  let a: Dual[] = vars;
  if (net.features) {
    a = [];
    for (let i = 0; i < n; i++) a.push(...(net.features[i] ? [vars[i]!.cos(), vars[i]!.sin()] : [vars[i]!]));
    for (let i = 0; i < n; i++) a.push(vars[n + i]!);
  }
  net.W.forEach((w, l) => {
    const [fin, fout] = net.shapes[l]!;
    a = Array.from({ length: fout }, (_, j) => {
      const z = Dual.sum(...a.map((ai, i) => ai.mul(w[i * fout + j]!))).add(net.b[l]![j]!);
      if (l === net.W.length - 1) return z;
      if (net.act === 'tanh') return z.tanh();
      // softplus, in its overflow-free form on each side of 0
      return z.value > 0 ? z.neg().exp().add(1).log().add(z) : z.exp().add(1).log();
    });
  });
  const L = a[0]!;
  const M = new Float64Array(n * n);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) M[i * n + j] = L.hess(n + i, n + j);
    r[i] = L.grad(i);
    for (let j = 0; j < n; j++) r[i]! -= L.hess(n + i, j) * x[n + j]!;
  }
  const { values, vectors } = symmetricEigen(M, n);
  const out = new Array(n).fill(0);
  for (let k = 0; k < n; k++) {
    let p = 0;
    for (let i = 0; i < n; i++) p += vectors[i * n + k]! * r[i]!;
    for (let i = 0; i < n; i++) out[i] += (vectors[i * n + k]! * p) / values[k]!;
  }
  const abs = Array.from(values, Math.abs);
  return { acc: out, cond: Math.max(...abs) / Math.min(...abs) };
}

/** Random states where the velocity Hessian is well conditioned (float32 results are then accurate to ~1e-5). */
function wellConditioned(net: Net64, rng: Rng, count: number, n: number): number[][] {
  const out: number[][] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > 10_000) throw new Error('no well-conditioned states for this network');
    const [x] = states(rng, 1, n);
    if (solve64(net, x!, n).cond < 20) out.push(x!);
  }
  return out;
}

function makeNet(rng: Rng, n: number, hidden: number[], act: LnnActivation, features?: boolean[]): { net: LagrangianNet; net64: Net64 } {
  const widths = [features ? featureCount(n, features) : 2 * n, ...hidden, 1];
  const W: tf.Variable[] = [];
  const b: tf.Variable[] = [];
  const net64: Net64 = { W: [], b: [], shapes: [], act, ...(features ? { features } : {}) };
  for (let l = 0; l + 1 < widths.length; l++) {
    const [fin, fout] = [widths[l]!, widths[l + 1]!];
    const w = Float32Array.from({ length: fin * fout }, () => rng.normal() * (1.2 / Math.sqrt(fin)));
    const bb = Float32Array.from({ length: fout }, () => 0.3 * rng.normal());
    W.push(tf.variable(tf.tensor2d(w, [fin, fout])));
    b.push(tf.variable(tf.tensor1d(bb)));
    net64.W.push(Float64Array.from(w));
    net64.b.push(Float64Array.from(bb));
    net64.shapes.push([fin, fout]);
  }
  return { net: { weights: W, biases: b, activation: act }, net64 };
}

function states(rng: Rng, count: number, n: number): number[][] {
  return Array.from({ length: count }, () => [
    ...Array.from({ length: n }, () => rng.range(-3, 3)),
    ...Array.from({ length: n }, () => rng.range(-2, 2)),
  ]);
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
};

const cases: { n: number; hidden: number[]; act: LnnActivation; backend: 'cpu' | 'wasm'; features?: boolean[] }[] = [
  { n: 2, hidden: [16, 16], act: 'softplus', backend: 'wasm' },
  { n: 2, hidden: [16, 16], act: 'softplus', backend: 'wasm', features: [true, true] },
  { n: 3, hidden: [12, 8], act: 'tanh', backend: 'cpu', features: [true, false, true] },
  { n: 2, hidden: [12], act: 'tanh', backend: 'cpu' },
  { n: 1, hidden: [8, 8, 8], act: 'softplus', backend: 'cpu' },
  { n: 3, hidden: [16, 12], act: 'tanh', backend: 'wasm' },
];

for (const c of cases) {
  const label = `n=${c.n} hidden=[${c.hidden}] ${c.act} on ${c.backend}${c.features ? ` with angle features [${c.features}]` : ''}`;
  const feat = c.features ? { angles: c.features, angleFeatures: true } : { angles: [] as boolean[] };

  test.serial(`accelerations match eq. 8 in float64: ${label}`, async (t) => {
    await initBackend(c.backend);
    const rng = new Rng(11);
    const { net, net64 } = makeNet(rng, c.n, c.hidden, c.act, c.features);
    const xs = wellConditioned(net64, rng, 16, c.n);
    const { id, counter } = newSolveCounter();
    const o = { n: c.n, ...feat, damping: 1e-7, counter: id };
    const got = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(xs), net, o).arraySync() as number[][]);
    const composite = tf.tidy(() => compositeLagrangianAcceleration(tf.tensor2d(xs), net, o).arraySync() as number[][]);
    const want = xs.map((x) => acceleration64(net64, x, c.n));
    t.true(relErr(got.flat(), want.flat()) < 2e-4, `fused vs float64: ${relErr(got.flat(), want.flat())}`);
    t.true(relErr(composite.flat(), want.flat()) < 2e-4, `composite vs float64: ${relErr(composite.flat(), want.flat())}`);
    t.is(counter.samples, 16);
    releaseSolveCounter(id);
    net.weights.forEach((w) => w.dispose());
    net.biases.forEach((w) => w.dispose());
  });

  test.serial(`the hand-written gradient equals the tape's and finite differences: ${label}`, async (t) => {
    await initBackend(c.backend);
    const rng = new Rng(5);
    const { net, net64 } = makeNet(rng, c.n, c.hidden, c.act, c.features);
    const xs = wellConditioned(net64, rng, 8, c.n);
    const cot = xs.map(() => Array.from({ length: c.n }, () => rng.normal()));
    const o = { n: c.n, ...feat, damping: 1e-7, counter: 0 };
    const params = [...net.weights, ...net.biases.slice(0, -1)];
    const lossOf = (impl: typeof lagrangianAcceleration) =>
      tf.grads((x: tf.Tensor, ...ps: tf.Tensor[]) => {
        const k = net.weights.length;
        const nn = { weights: ps.slice(0, k), biases: [...ps.slice(k), net.biases[k - 1]!], activation: c.act };
        return tf.sum(tf.mul(impl(x, nn, o), tf.tensor2d(cot)));
      });
    const x = tf.tensor2d(xs);
    const fused = lossOf(lagrangianAcceleration)([x, ...params]).map((g) => Array.from(g.dataSync()));
    const tape = lossOf(compositeLagrangianAcceleration)([x, ...params]).map((g) => Array.from(g.dataSync()));
    fused.forEach((g, i) => t.true(relErr(g, tape[i]!) < 1e-3, `input ${i}: ${relErr(g, tape[i]!)}`));
    // Directional derivative in float64 along a random direction of the first hidden weights and of x.
    const loss64 = (dw: number, dx: number, v: Float64Array, vx: number[][]) => {
      const W0 = Float64Array.from(net64.W[0]!, (w, i) => w + dw * v[i]!);
      const shifted = { ...net64, W: [W0, ...net64.W.slice(1)] };
      return xs.reduce((acc, xi, k) => {
        const acc64 = acceleration64(shifted, xi.map((xv, d) => xv + dx * vx[k]![d]!), c.n);
        return acc + acc64.reduce((s, a, i) => s + a * cot[k]![i]!, 0);
      }, 0);
    };
    const v = Float64Array.from(net64.W[0]!, () => rng.normal());
    const vx = xs.map((xi) => xi.map(() => rng.normal()));
    const eps = 1e-5;
    const fdW = (loss64(eps, 0, v, vx) - loss64(-eps, 0, v, vx)) / (2 * eps);
    const fdX = (loss64(0, eps, v, vx) - loss64(0, -eps, v, vx)) / (2 * eps);
    const dotW = fused[1]!.reduce((s, g, i) => s + g * v[i]!, 0);
    const dotX = fused[0]!.reduce((s, g, i) => s + g * vx[Math.floor(i / (2 * c.n))]![i % (2 * c.n)]!, 0);
    t.true(Math.abs(dotW - fdW) / Math.abs(fdW) < 5e-3, `dW: ${dotW} vs ${fdW}`);
    t.true(Math.abs(dotX - fdX) / Math.abs(fdX) < 5e-3, `dx: ${dotX} vs ${fdX}`);
    x.dispose();
    net.weights.forEach((w) => w.dispose());
    net.biases.forEach((w) => w.dispose());
  });
}

test.serial('a Lagrangian without velocity dependence is damped to finite accelerations and counted', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const { net } = makeNet(rng, 2, [8], 'softplus');
  // Zero the velocity rows of the first layer: L = L(q), so ∇q̇∇q̇ᵀL = 0.
  const w0 = net.weights[0]! as tf.Variable;
  tf.tidy(() => w0.assign(tf.concat([tf.slice(w0, [0, 0], [2, 8]), tf.zeros([2, 8])], 0)));
  const { id, counter } = newSolveCounter();
  const acc = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(states(rng, 5, 2)), net, { n: 2, angles: [], damping: 1e-5, counter: id }).dataSync());
  t.true(Array.from(acc).every(Number.isFinite));
  t.deepEqual({ ...counter }, { samples: 5, damped: 5 });
  releaseSolveCounter(id);
});

test.serial('angles are wrapped: q and q + 2π give the same accelerations', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(8);
  const { net } = makeNet(rng, 2, [8, 8], 'softplus');
  const xs = states(rng, 6, 2);
  const shifted = xs.map((x) => [x[0]! + 2 * Math.PI, x[1]! - 4 * Math.PI, x[2]!, x[3]!]);
  const o = { n: 2, angles: [true, true], damping: 1e-7, counter: 0 };
  const a = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(xs), net, o).dataSync());
  const b = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(shifted), net, o).dataSync());
  t.true(relErr(a, b) < 1e-4, `${relErr(a, b)}`);
});

test.serial('no tensors leak from a forward and backward pass', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(2);
  const { net } = makeNet(rng, 2, [8, 8], 'softplus');
  const x = tf.tensor2d(states(rng, 4, 2));
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(lagrangianAcceleration(x, net, { n: 2, angles: [true, true], damping: 1e-5, counter: 0 })) as tf.Scalar, [...net.weights, ...net.biases] as tf.Variable[]);
    value.dataSync();
    Object.values(grads).forEach((g) => g.dataSync());
  });
  t.is(tf.memory().numTensors, before);
});

test.serial('where the velocity Hessian vanishes, the damping floor keeps the accelerations bounded', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(4);
  const { net } = makeNet(rng, 2, [8], 'softplus');
  // Velocity rows of the first layer scaled to 1e-6: ∇q̇∇q̇ᵀL is about 1e-12 of its usual size.
  const w0 = net.weights[0]! as tf.Variable;
  tf.tidy(() => w0.assign(tf.concat([tf.slice(w0, [0, 0], [2, 8]), tf.mul(tf.slice(w0, [2, 0], [2, 8]), 1e-6)], 0)));
  const xs = tf.tensor2d(states(rng, 5, 2));
  const accel = (floor: number) => tf.tidy(() => Array.from(lagrangianAcceleration(xs, net, { n: 2, angles: [], damping: 1e-5, dampingFloor: floor, counter: 0 }).dataSync()));
  const bare = accel(0);
  const floored = accel(1e-3);
  t.true(bare.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e6), `without a floor: ${bare}`);
  t.true(floored.every((v) => Number.isFinite(v) && Math.abs(v) < 1e4), `with a floor: ${floored}`);
  xs.dispose();
});

test.serial('with angle features, L is periodic: q and q + 2π give the same accelerations and no jump at ±π', async (t) => {
  await initBackend('wasm');
  const rng = new Rng(9);
  const { net } = makeNet(rng, 2, [8, 8], 'softplus', [true, true]);
  const o = { n: 2, angles: [true, true], angleFeatures: true, damping: 1e-7, counter: 0 };
  const eps = 1e-4;
  const xs = [[Math.PI - eps, 0.3, 0.5, -0.2], [0.1, 1.2, -0.4, 0.9]];
  const across = [[-Math.PI + eps, 0.3, 0.5, -0.2], [0.1 + 2 * Math.PI, 1.2 - 4 * Math.PI, -0.4, 0.9]];
  const a = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(xs), net, o).dataSync());
  const b = tf.tidy(() => lagrangianAcceleration(tf.tensor2d(across), net, o).dataSync());
  t.true(relErr(a, b) < 1e-3, `${relErr(a, b)}`);
});
