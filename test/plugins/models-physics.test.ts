// The physics-structured models (hnn, delan) and the residual-network comparison (resnet), and the
// input derivatives they are built on. References are float64 re-implementations of the same networks
// from getWeights, differentiated by central finite differences.
import test from 'ava';
import { ConfigError, initBackend, odeint, Rng, tf } from 'odelab';
import type { Model, ModelContext, NamedWeights } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import {
  ANGLE_INPUTS,
  angleFeatures,
  netJacobian,
  scalarNetGradient,
  SMOOTH_ACTIVATIONS,
  type AngleInput,
  type SmoothActivation,
} from '../../core/nn/input-derivatives.ts';
import { createDelan, DIAGONAL_SHIFT } from '../../plugins/models/delan.ts';
import { createHnn } from '../../plugins/models/hnn.ts';
import { createResnet } from '../../plugins/models/resnet.ts';

test.before(async () => {
  await initBackend('cpu');
});

const registry = createRegistry();
const optionsOf = (name: string, given: object) => registry.get('model', name).options.parse(given, 'model') as never;
const hnn = (given: object, ctx: ModelContext) => createHnn(optionsOf('hnn', given), ctx);
const delan = (given: object, ctx: ModelContext) => createDelan(optionsOf('delan', given), ctx);
const resnet = (given: object, ctx: ModelContext) => createResnet(optionsOf('resnet', given), ctx);

// ---- float64 references ----

const ACT64: Record<SmoothActivation, (z: number) => number> = {
  tanh: Math.tanh,
  softplus: (z) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};
const wrap = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
/** The network input of angleFeatures, in float64. */
const features64 = (x: readonly number[], angles: readonly boolean[], mode: AngleInput) =>
  x.flatMap((v, i) => (!angles[i] ? [v] : mode === 'wrap' ? [wrap(v)] : [Math.cos(v), Math.sin(v)]));

/** The float64 forward pass of the dense stack stored under `prefix` in `w`. */
function net64(w: NamedWeights, prefix: string, act: SmoothActivation): (x: readonly number[]) => number[] {
  const layers: { w: NamedWeights[string]; b: NamedWeights[string] }[] = [];
  for (let i = 0; w[`${prefix}w${i}`]; i++) layers.push({ w: w[`${prefix}w${i}`]!, b: w[`${prefix}b${i}`]! });
  return (x) => {
    let h = [...x];
    layers.forEach(({ w: wi, b }, l) => {
      const [rows, cols] = wi.shape as [number, number];
      const z = Array.from({ length: cols }, (_, j) => b.values[j]! + h.reduce((acc, hi, i) => acc + hi * wi.values[i * cols + j]!, 0));
      if (rows !== h.length) throw new Error('shape mismatch');
      h = l + 1 < layers.length ? z.map(ACT64[act]) : z;
    });
    return h;
  };
}

/** Central differences of a scalar function: its gradient. */
function fdGradient(f: (x: number[]) => number, x: readonly number[], eps = 1e-5): number[] {
  return x.map((_, i) => {
    const up = [...x];
    const down = [...x];
    up[i]! += eps;
    down[i]! -= eps;
    return (f(up) - f(down)) / (2 * eps);
  });
}

/** Solve A x = b (n×n, row-major) by Gaussian elimination with partial pivoting. */
function solve64(a: number[], b: number[]): number[] {
  const n = b.length;
  const m = a.map((v) => v);
  const x = [...b];
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k]!, m[c * n + k]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / m[c * n + c]!;
      for (let k = c; k < n; k++) m[r * n + k]! -= f * m[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    for (let k = r + 1; k < n; k++) x[r]! -= m[r * n + k]! * x[k]!;
    x[r]! /= m[r * n + r]!;
  }
  return x;
}

const maxAbs = (a: readonly number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const relErr = (got: readonly number[], want: readonly number[]) => maxAbs(got.map((g, i) => g - want[i]!)) / Math.max(maxAbs(want), 1e-12);
const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

function randomStates(rng: Rng, batch: number, dim: number, scale = 1.5): number[][] {
  return Array.from({ length: batch }, () => Array.from({ length: dim }, () => rng.range(-scale, scale)));
}

// ---- input derivatives ----

function randomNet(rng: Rng, widths: number[]): { weights: tf.Tensor[]; biases: tf.Tensor[]; named: NamedWeights } {
  const named: NamedWeights = {};
  const weights: tf.Tensor[] = [];
  const biases: tf.Tensor[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const w = Array.from({ length: widths[i]! * widths[i + 1]! }, () => rng.normal() / Math.sqrt(widths[i]!));
    const b = Array.from({ length: widths[i + 1]! }, () => 0.3 * rng.normal());
    named[`w${i}`] = { shape: [widths[i]!, widths[i + 1]!], values: w };
    named[`b${i}`] = { shape: [widths[i + 1]!], values: b };
    weights.push(tf.tensor2d(w, [widths[i]!, widths[i + 1]!]));
    biases.push(tf.tensor1d(b));
  }
  return { weights, biases, named };
}

for (const act of SMOOTH_ACTIVATIONS) {
  test(`scalarNetGradient and netJacobian (${act}) equal central differences of the float64 network`, (t) => {
    tf.tidy(() => {
      const rng = new Rng(7);
      const xs = randomStates(rng, 4, 3);
      const x = tf.tensor2d(xs);

      const scalar = randomNet(rng, [3, 6, 5, 1]);
      const f = net64(scalar.named, '', act);
      const { value, grad } = scalarNetGradient(x, scalar.weights, scalar.biases, act);
      t.deepEqual(value.shape, [4]);
      t.deepEqual(grad.shape, [4, 3]);
      xs.forEach((xi, b) => {
        t.true(Math.abs((value.arraySync() as number[])[b]! - f(xi)[0]!) < 1e-5);
        const err = relErr(rows(grad)[b]!, fdGradient((y) => f(y)[0]!, xi));
        t.true(err < 1e-5, `gradient, sample ${b}: relative error ${err.toExponential(2)}`);
      });

      const vector = randomNet(rng, [3, 6, 5, 4]);
      const g = net64(vector.named, '', act);
      const { value: out, jacobian } = netJacobian(x, vector.weights, vector.biases, act);
      t.deepEqual(jacobian.shape, [4, 4, 3]);
      const jac = jacobian.arraySync() as number[][][];
      xs.forEach((xi, b) => {
        t.true(relErr(rows(out)[b]!, g(xi)) < 1e-5);
        for (let i = 0; i < 4; i++) {
          const err = relErr(jac[b]![i]!, fdGradient((y) => g(y)[i]!, xi));
          t.true(err < 1e-5, `jacobian row ${i}, sample ${b}: relative error ${err.toExponential(2)}`);
        }
      });
    });
  });
}

test('angleFeatures: (cos θ, sin θ) in place of each angle, with its Jacobian; wrap is the identity', (t) => {
  tf.tidy(() => {
    const angles = [true, false, true];
    const xs = randomStates(new Rng(12), 3, 4, 4);
    const { value, jacobian } = angleFeatures(tf.tensor2d(xs), angles, 'sin-cos');
    t.deepEqual(value.shape, [3, 6]);
    const jac = jacobian!.arraySync() as number[][][];
    xs.forEach((x, b) => {
      t.true(relErr(rows(value)[b]!, features64(x, angles, 'sin-cos')) < 1e-6);
      for (let r = 0; r < 6; r++) t.true(relErr(jac[b]![r]!, fdGradient((y) => features64(y, angles, 'sin-cos')[r]!, x)) < 1e-6);
    });
    const wrapped = angleFeatures(tf.tensor2d(xs), angles, 'wrap');
    t.is(wrapped.jacobian, null);
    t.true(relErr(rows(wrapped.value).flat(), xs.flatMap((x) => features64(x, angles, 'wrap'))) < 1e-6);
  });
});

test('a one-layer network: the gradient is its weight column for every sample, the Jacobian its transpose', (t) => {
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const w = tf.tensor2d([[0.5], [-2]]);
    const { grad } = scalarNetGradient(x, [w], [tf.zeros([1])], 'tanh');
    t.deepEqual(rows(grad), [[0.5, -2], [0.5, -2], [0.5, -2]]);
    const { jacobian } = netJacobian(x, [w], [tf.zeros([1])], 'tanh');
    t.deepEqual(jacobian.shape, [3, 1, 2]);
  });
});

// ---- hnn ----

const PENDULUM2: ModelContext = { stateDim: 4, coordinates: 2, angles: [true, false], seed: 11 };

for (const mode of ANGLE_INPUTS) {
  test(`hnn (${mode}): the vector field is the symplectic gradient of its own H (float64 finite differences)`, (t) => {
    const m = hnn({ hidden: [12, 12], angleInput: mode }, PENDULUM2);
    const h64 = net64(m.getWeights(), '', 'tanh');
    const H = (x: readonly number[]) => h64(features64(x, PENDULUM2.angles!, mode))[0]!;
    const xs = randomStates(new Rng(3), 5, 4);
    tf.tidy(() => {
      const f = rows(m.vectorField(0, tf.tensor2d(xs)));
      const acc = rows(m.acceleration(tf.tensor2d(xs)));
      const hs = m.hamiltonian(tf.tensor2d(xs)).arraySync() as number[];
      xs.forEach((x, b) => {
        const g = fdGradient(H, x);
        const want = [g[2]!, g[3]!, -g[0]!, -g[1]!];
        const err = relErr(f[b]!, want);
        t.true(err < 1e-4, `sample ${b}: relative error ${err.toExponential(2)}`);
        t.true(relErr(acc[b]!, want.slice(2)) < 1e-4, 'acceleration is the second half');
        t.true(Math.abs(hs[b]! - H(x)) < 1e-5);
      });
      // The angle is wrapped: q₀ and q₀ + 2π give the same field.
      const shifted = xs.map(([a, ...rest]) => [a! + 2 * Math.PI, ...rest]);
      t.true(relErr(rows(m.vectorField(0, tf.tensor2d(shifted))).flat(), f.flat()) < 1e-5);
    });
    m.dispose();
  });
}

test('hnn: H is conserved along an rk4 rollout of its own field', (t) => {
  const m = hnn({ hidden: [16, 16] }, { stateDim: 4, coordinates: 2, seed: 5 });
  tf.tidy(() => {
    const y0 = tf.tensor2d(randomStates(new Rng(9), 4, 4, 1));
    const ys = odeint((time, y) => m.vectorField(time, y), y0, [0, 2], { method: 'rk4', step: 0.01 });
    const last = tf.squeeze(tf.slice(ys, [1], [1]), [0]);
    const h0 = m.hamiltonian(y0).arraySync() as number[];
    const h1 = m.hamiltonian(last).arraySync() as number[];
    const moved = maxAbs(Array.from(tf.sub(last, y0).dataSync()));
    t.true(moved > 0.1, `the rollout moves the state (max |Δx| = ${moved})`);
    const scale = h0.reduce((a, v) => a + Math.abs(v), 0) / h0.length;
    const drift = maxAbs(h1.map((v, i) => v - h0[i]!)) / scale;
    t.true(drift < 1e-3, `relative drift ${drift.toExponential(2)}`);
  });
  m.dispose();
});

// ---- delan ----

const TRIPLE: ModelContext = { stateDim: 6, coordinates: 3, angles: [true, false, true], seed: 21 };

/** DeLaN's L(q, q̇) in float64 from its weights (the layout documented in delan.ts). */
function delanLagrangian64(w: NamedWeights, n: number, angles: readonly boolean[], mode: AngleInput, epsilon: number, shift: number) {
  const lNet = net64(w, 'L/', 'softplus');
  const vNet = net64(w, 'V/', 'softplus');
  const mass = (q: readonly number[]) => {
    const qi = features64(q, angles, mode);
    const raw = lNet(qi);
    const l = new Array<number>(n * n).fill(0);
    let e = 0;
    for (let i = 0; i < n; i++) l[i * n + i] = ACT64.softplus(raw[e++]!) + shift;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) l[i * n + j] = raw[e++]!;
    const m = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) m[i * n + j]! += l[i * n + k]! * l[j * n + k]!;
    for (let i = 0; i < n; i++) m[i * n + i]! += epsilon;
    return { m, v: vNet(qi)[0]! };
  };
  const lagrangian = (x: readonly number[]) => {
    const { m, v } = mass(x.slice(0, n));
    const qd = x.slice(n);
    let t = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t += 0.5 * qd[i]! * m[i * n + j]! * qd[j]!;
    return t - v;
  };
  return { mass, lagrangian };
}

/** q̈ from the Euler–Lagrange equation of L by finite differences: (∂²L/∂q̇²) q̈ = ∂L/∂q − (∂²L/∂q̇∂q) q̇. */
function eulerLagrange64(L: (x: number[]) => number, x: readonly number[], n: number): number[] {
  const eps = 1e-4;
  const p = (y: readonly number[]) => fdGradient(L, y, eps).slice(n); // ∂L/∂q̇
  const dLdq = fdGradient(L, x, eps).slice(0, n);
  const along = (s: number) => p(x.map((v, i) => (i < n ? v + s * x[n + i]! : v)));
  const mixed = along(eps).map((v, i) => (v - along(-eps)[i]!) / (2 * eps));
  const hess: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const up = [...x];
      const down = [...x];
      up[n + j]! += eps;
      down[n + j]! -= eps;
      hess.push((p(up)[i]! - p(down)[i]!) / (2 * eps));
    }
  }
  return solve64(hess, dLdq.map((v, i) => v - mixed[i]!));
}

test('delan: M(q) is symmetric positive definite with eigenvalues above ε/2', (t) => {
  const m = delan({ hidden: [10, 10], epsilon: 1e-3 }, TRIPLE);
  tf.tidy(() => {
    const mats = m.massMatrix(tf.tensor2d(randomStates(new Rng(4), 8, 6, 3))).arraySync() as number[][][];
    for (const mat of mats) {
      // Cholesky of M − ε/2·I succeeds: every eigenvalue of M is above ε/2.
      const a = mat.flat().map((v, k) => (k % 4 === 0 ? v - 5e-4 : v)); // the diagonal of a 3×3
      t.true(mat.every((r, i) => r.every((v, j) => Math.abs(v - mat[j]![i]!) < 1e-6)), 'symmetric');
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < j; k++) for (let i = j; i < 3; i++) a[i * 3 + j]! -= a[i * 3 + k]! * a[j * 3 + k]!;
        t.true(a[j * 3 + j]! > 0, `pivot ${j}: ${a[j * 3 + j]}`);
        const d = Math.sqrt(a[j * 3 + j]!);
        for (let i = j; i < 3; i++) a[i * 3 + j]! /= d;
      }
    }
  });
  m.dispose();
});

for (const mode of ANGLE_INPUTS) {
  test(`delan (${mode}): the accelerations satisfy the Euler–Lagrange equation of its own L (float64 finite differences)`, (t) => {
    const m = delan({ hidden: [10, 10], angleInput: mode }, TRIPLE);
    const ref = delanLagrangian64(m.getWeights(), 3, TRIPLE.angles!, mode, 1e-3, DIAGONAL_SHIFT);
    const xs = randomStates(new Rng(8), 5, 6);
    tf.tidy(() => {
      const acc = rows(m.acceleration(tf.tensor2d(xs)));
      const f = rows(m.vectorField(0, tf.tensor2d(xs)));
      const lag = m.lagrangian(tf.tensor2d(xs)).arraySync() as number[];
      xs.forEach((x, b) => {
        const want = eulerLagrange64(ref.lagrangian, x, 3);
        const err = relErr(acc[b]!, want);
        t.true(err < 1e-3, `sample ${b}: relative error ${err.toExponential(2)} (got ${acc[b]}, want ${want})`);
        t.deepEqual(f[b]!.slice(0, 3).map((v) => Math.fround(v)), x.slice(3).map((v) => Math.fround(v)));
        t.true(relErr(f[b]!.slice(3), acc[b]!) < 1e-6);
        t.true(Math.abs(lag[b]! - ref.lagrangian(x)) < 1e-4 * Math.max(1, Math.abs(lag[b]!)));
      });
      // Angles are wrapped: q₀ and q₂ shifted by ±2π give the same accelerations.
      const shifted = xs.map((x) => x.map((v, i) => v + (i === 0 ? 2 * Math.PI : i === 2 ? -2 * Math.PI : 0)));
      t.true(relErr(rows(m.acceleration(tf.tensor2d(shifted))).flat(), acc.flat()) < 1e-4);
    });
    m.dispose();
  });
}

for (const mode of ANGLE_INPUTS) {
  test(`delan (${mode}): energy along its own rk4 rollout across θ = π`, (t) => {
    const m = delan({ hidden: [12, 12], angleInput: mode }, PENDULUM2);
    tf.tidy(() => {
      const energy = (x: tf.Tensor) => {
        const v = tf.slice(x, [0, 2], [-1, 2]);
        const mv = tf.sum(tf.mul(m.massMatrix(x), tf.expandDims(v, 1)), 2);
        return tf.add(tf.mul(0.5, tf.sum(tf.mul(v, mv), 1)), m.potential(x)).arraySync() as number[];
      };
      const y0 = tf.tensor2d([[2.9, 0.2, 6, 0.5], [-2.8, -0.3, -6, 0.2]]);
      const times = Array.from({ length: 9 }, (_, i) => 0.05 * i);
      const ys = odeint((time, y) => m.vectorField(time, y), y0, times, { method: 'rk4', step: 0.002 });
      const path = ys.arraySync() as number[][][];
      const reach = [0, 1].map((b) => Math.max(...path.map((s) => Math.abs(s[b]![0]!))));
      t.true(reach.every((a) => a > Math.PI), `both trajectories cross ±π (max |θ| = ${reach})`);
      const last = tf.squeeze(tf.slice(ys, [times.length - 1], [1]), [0]);
      const e0 = energy(y0);
      const drift = maxAbs(energy(last).map((e, i) => (e - e0[i]!) / Math.abs(e0[i]!)));
      t.log(`relative energy drift ${drift.toExponential(2)}`);
      // sin-cos: L is smooth and periodic, the flow conserves E; wrap: E jumps at the seam (the reason for the default).
      if (mode === 'sin-cos') t.true(drift < 1e-3, `relative drift ${drift.toExponential(2)}`);
      else t.true(drift > 1e-3, `the wrap's seam changes E (drift ${drift.toExponential(2)})`);
    });
    m.dispose();
  });
}

test('delan: a gradient step on an L1 loss is finite and changes the field', (t) => {
  const m = delan({ hidden: [8] }, PENDULUM2);
  const x = tf.tensor2d(randomStates(new Rng(2), 6, 4));
  const loss = () => tf.mean(tf.abs(m.vectorField(0, x))) as tf.Scalar;
  const before = loss().dataSync()[0]!;
  const opt = tf.train.sgd(0.01);
  opt.minimize(loss, false, m.variables);
  const after = loss().dataSync()[0]!;
  t.true(Number.isFinite(after) && after < before, `loss ${before} → ${after}`);
  opt.dispose();
  x.dispose();
  m.dispose();
});

// ---- resnet ----

test('resnet: euler with step h over [0, K·h] applies the residual blocks x + h f_k(x)', (t) => {
  const m = resnet({ blocks: 3, blockStep: 0.3, hidden: [8] }, { stateDim: 3, seed: 4 });
  tf.tidy(() => {
    const x0 = tf.tensor2d(randomStates(new Rng(6), 5, 3));
    let byHand: tf.Tensor = x0;
    for (let k = 0; k < 3; k++) byHand = tf.add(byHand, tf.mul(0.3, m.block(k, byHand)));
    const f = (time: number, y: tf.Tensor) => m.vectorField(time, y);
    const stepped = tf.squeeze(tf.slice(odeint(f, x0, [0, 0.9], { method: 'euler', step: 0.3 }), [1], [1]), [0]);
    const gridded = tf.squeeze(tf.slice(odeint(f, x0, [0, 0.3, 0.6, 0.9], { method: 'euler' }), [3], [1]), [0]);
    t.true(relErr(Array.from(stepped.dataSync()), Array.from(byHand.dataSync())) < 1e-6);
    t.true(relErr(Array.from(gridded.dataSync()), Array.from(byHand.dataSync())) < 1e-6);
  });
  t.deepEqual([-1, 0, 0.29999999, 0.3, 0.6, 0.9, 5].map(m.blockIndex), [0, 0, 0, 1, 2, 2, 2]);
  t.is(m.acceleration, undefined, 'no accelerations without generalised coordinates');
  m.dispose();
});

test("resnet: its vjp equals the tape's products, and acceleration is block 0's last n outputs", (t) => {
  const m = resnet({ blocks: 2, hidden: [6] }, { stateDim: 4, coordinates: 2, seed: 8 });
  tf.tidy(() => {
    const x = tf.tensor2d(randomStates(new Rng(1), 3, 4));
    const c = tf.tensor2d(randomStates(new Rng(2), 3, 4));
    const { value, dx, dParams } = m.vjp!(1.5, x, c);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(c, m.vectorField(1.5, x))) as tf.Scalar, m.variables);
    t.true(relErr(Array.from(value.dataSync()), Array.from(m.block(1, x).dataSync())) < 1e-6);
    m.variables.forEach((v, i) => {
      const want = grads[v.name] ? Array.from(grads[v.name]!.dataSync()) : new Array<number>(v.size).fill(0);
      t.true(relErr(Array.from(dParams[i]!.dataSync()), want) < 1e-5 || maxAbs(want) === 0, `param ${v.name}`);
    });
    const dxTape = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(c, m.vectorField(1.5, y))))(x);
    t.true(relErr(Array.from(dx.dataSync()), Array.from(dxTape.dataSync())) < 1e-5);
    const acc = m.acceleration!(x);
    t.true(relErr(Array.from(acc.dataSync()), Array.from(tf.slice(m.block(0, x), [0, 2], [-1, 2]).dataSync())) < 1e-7);
  });
  m.dispose();
});

// ---- every model: weights, tape, context ----

const CASES: { name: string; build: (seed: number) => Model; ctx: ModelContext; times: number[] }[] = [
  { name: 'hnn', build: (seed) => hnn({ hidden: [8, 8] }, { ...PENDULUM2, seed }), ctx: PENDULUM2, times: [0] },
  { name: 'delan', build: (seed) => delan({ hidden: [8, 8] }, { ...TRIPLE, seed }), ctx: TRIPLE, times: [0] },
  { name: 'resnet', build: (seed) => resnet({ blocks: 3, blockStep: 0.5, hidden: [8] }, { ...PENDULUM2, seed }), ctx: PENDULUM2, times: [0, 0.5, 1] },
];

for (const c of CASES) {
  test(`${c.name}: getWeights/setWeights round trip`, (t) => {
    const a = c.build(1);
    const b = c.build(2);
    const x = tf.tensor2d(randomStates(new Rng(5), 3, c.ctx.stateDim));
    const fa = Array.from(a.vectorField(0, x).dataSync());
    t.notDeepEqual(Array.from(b.vectorField(0, x).dataSync()), fa);
    b.setWeights(a.getWeights());
    t.deepEqual(b.getWeights(), a.getWeights());
    t.deepEqual(Array.from(b.vectorField(0, x).dataSync()), fa);
    const missing = a.getWeights();
    delete missing[Object.keys(missing)[0]!];
    t.throws(() => b.setWeights(missing), { message: /missing/ });
    x.dispose();
    a.dispose();
    b.dispose();
  });

  test(`${c.name}: the tape gives finite gradients for every variable of an L1 loss on the field, leaking no tensors`, (t) => {
    const m = c.build(3);
    const x = tf.tensor2d(randomStates(new Rng(6), 4, c.ctx.stateDim));
    const count = tf.memory().numTensors;
    tf.tidy(() => {
      const loss = () => tf.addN(c.times.map((time) => tf.mean(tf.abs(m.vectorField(time, x))))) as tf.Scalar;
      const { value, grads } = tf.variableGrads(loss, m.variables);
      t.true(Number.isFinite(value.dataSync()[0]!));
      for (const v of m.variables) {
        const g = grads[v.name];
        t.truthy(g, `gradient of ${v.name}`);
        t.deepEqual(g!.shape, v.shape);
        t.true(Array.from(g!.dataSync()).every(Number.isFinite), `finite gradient of ${v.name}`);
      }
      t.true(Object.values(grads).some((g) => maxAbs(Array.from(g.dataSync())) > 0), 'some gradient is nonzero');
    });
    t.is(tf.memory().numTensors, count);
    x.dispose();
    m.dispose();
  });
}

test('hnn and delan need generalised coordinates: the plugins say so and create throws without them', (t) => {
  for (const name of ['hnn', 'delan']) {
    const plugin = registry.get('model', name);
    t.true(plugin.requiresMechanical, name);
    t.throws(() => plugin.create(optionsOf(name, {}), { stateDim: 2, seed: 1 }), { instanceOf: ConfigError, message: /generalised coordinates/ });
  }
  t.falsy(registry.get('model', 'resnet').requiresMechanical);
});

test('option defaults', (t) => {
  t.like(optionsOf('hnn', {}), { hidden: [200, 200], activation: 'tanh', init: 'glorot-uniform' });
  t.like(optionsOf('delan', {}), { activation: 'softplus', epsilon: 1e-3 });
  t.like(optionsOf('resnet', {}), { blocks: 4, blockStep: 1 });
  t.throws(() => optionsOf('hnn', { activation: 'relu' }), { instanceOf: ConfigError });
});
