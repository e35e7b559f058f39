/**
 * Deep Lagrangian Network (Lutter, Ritter & Peters, "Deep Lagrangian
 * Networks: Using Physics as Model Prior for Deep Learning", ICLR 2019):
 * the Lagrangian of a rigid-body system,
 *   L(q, q̇) = ½ q̇ᵀ M(q) q̇ − V(q),   M = L_θ Lᵀ_θ + εI,
 * with L_θ(q) lower triangular with a positive diagonal (softplus of the
 * network's diagonal outputs plus DIAGONAL_SHIFT), so M is symmetric positive
 * definite for every θ. The accelerations are the Euler–Lagrange equations
 * solved for q̈ (their eq. 7, without the force term):
 *   M q̈ = −Ṁ q̇ + ½ ∂(q̇ᵀ M q̇)/∂q − ∂V/∂q,   Ṁ = Σ_k ∂M/∂q_k q̇_k.
 *
 * Two separate MLPs from the coordinates q: one to the n(n+1)/2 entries of
 * L_θ (n diagonal, then the strictly lower triangle row by row), one to the
 * scalar V. Angles enter as (cos θ, sin θ) by default: with 'wrap', M and V
 * jump where a trajectory crosses ±π, which injects energy (on the double
 * pendulum, untrained wrapped DeLaNs' rollouts blew up within two seconds,
 * while the sin-cos ones conserve their energy). The paper shares a trunk between the two
 * heads; separate networks keep each network's Jacobian (∂L/∂q, by forward
 * mode) and gradient (∂V/∂q, by a reverse sweep) as independent, simple tfjs
 * ops (core/nn/input-derivatives.ts; the tape differentiates them once for
 * training). M q̈ = r is solved per sample by a Cholesky factorisation
 * unrolled over n as element-wise ops on [B] columns (n is a handful).
 */
import { ConfigError, Rng, tf } from 'odelab';
import { definePlugin, s, type Infer, type Model, type ModelContext } from 'odelab/plugin';
import { DenseStack } from '../../core/nn/dense-stack.ts';
import { uniqueScope } from '../../core/nn/unique-scope.ts';
import { initSchema } from '../../core/nn/init.ts';
import { angleFeatureCount, angleFeatures, angleInputSchema, netJacobian, pullBack, scalarNetGradient, smoothActivationSchema } from '../../core/nn/input-derivatives.ts';

/** Added to the softplus of L_θ's diagonal: keeps L_θ itself invertible, whatever ε. */
export const DIAGONAL_SHIFT = 1e-3;

const options = s.object({
  hidden: s.array(s.integer({ min: 1 }), { minLength: 1 }).default([64, 64]).describe('hidden layer widths of both networks (L_θ and V)'),
  activation: smoothActivationSchema.default('softplus'),
  epsilon: s.number({ gt: 0 }).default(1e-3).describe('ε of M = L Lᵀ + εI: a floor on the eigenvalues of the mass matrix'),
  init: initSchema.default('glorot-uniform'),
  initStd: s.number({ gt: 0 }).default(0.1).describe("std of the 'normal' initialisation"),
  angleInput: angleInputSchema.default('sin-cos'),
});
export type DelanOptions = Infer<typeof options>;

/** A DeLaN: a Model plus the learned mechanics. */
export interface DelanModel extends Model {
  /** M(q) [B, n, n] for states x = (q, q̇) [B, 2n] (only q is used). */
  massMatrix(x: tf.Tensor): tf.Tensor;
  /** V(q) [B]. */
  potential(x: tf.Tensor): tf.Tensor;
  /** L(q, q̇) = ½ q̇ᵀ M q̇ − V [B]. */
  lagrangian(x: tf.Tensor): tf.Tensor;
  acceleration(x: tf.Tensor): tf.Tensor;
}


/** Constant selectors from the network's n(n+1)/2 outputs to the n×n factor. */
function triangularLayout(n: number): { select: number[][]; diagonal: number[] } {
  const entries: [number, number][] = [];
  for (let i = 0; i < n; i++) entries.push([i, i]);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) entries.push([i, j]);
  const select = entries.map(([i, j]) => Array.from({ length: n * n }, (_, c) => (c === i * n + j ? 1 : 0)));
  return { select, diagonal: entries.map(([i, j]) => (i === j ? 1 : 0)) };
}

/**
 * Solve M x = r per sample for symmetric positive definite M [B, n, n]:
 * Cholesky M = C Cᵀ, then C y = r, Cᵀ x = y (Golub & Van Loan, Alg. 4.2.1),
 * every entry a [B] tensor, so the tape differentiates the whole solve.
 */
export function solveSpd(m: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const n = r.shape[1]!;
  const a = tf.unstack(tf.reshape(m, [-1, n * n]), 1);
  const b = tf.unstack(r, 1);
  const c: tf.Tensor[][] = Array.from({ length: n }, () => []);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d = tf.sub(d, tf.square(c[j]![k]!));
    c[j]![j] = tf.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let e = a[i * n + j]!;
      for (let k = 0; k < j; k++) e = tf.sub(e, tf.mul(c[i]![k]!, c[j]![k]!));
      c[i]![j] = tf.div(e, c[j]![j]!);
    }
  }
  const y: tf.Tensor[] = [];
  for (let i = 0; i < n; i++) {
    let e = b[i]!;
    for (let k = 0; k < i; k++) e = tf.sub(e, tf.mul(c[i]![k]!, y[k]!));
    y[i] = tf.div(e, c[i]![i]!);
  }
  const x: tf.Tensor[] = [];
  for (let i = n - 1; i >= 0; i--) {
    let e = y[i]!;
    for (let k = i + 1; k < n; k++) e = tf.sub(e, tf.mul(c[k]![i]!, x[k]!));
    x[i] = tf.div(e, c[i]![i]!);
  }
  return tf.stack(x, 1);
}

/** Build a DeLaN for a mechanical system with `ctx.coordinates` = n (state (q, q̇), 2n). */
export function createDelan(o: DelanOptions, ctx: ModelContext): DelanModel {
  const n = ctx.coordinates;
  if (n === undefined || ctx.stateDim !== 2 * n) {
    throw new ConfigError(
      'model.name',
      `model.name: 'delan' needs a mechanical system with generalised coordinates (state (q, q̇) of size 2n), ` +
        `got stateDim ${ctx.stateDim} and coordinates ${n ?? 'unset'}`,
    );
  }
  const angles = ctx.angles ?? [];
  const rng = new Rng(ctx.seed);
  const name = uniqueScope('delan');
  const entries = (n * (n + 1)) / 2;
  const common = { activation: o.activation, init: o.init, initStd: o.initStd, rng };
  const inputs = angleFeatureCount(n, angles, o.angleInput);
  const lNet = new DenseStack({ ...common, widths: [inputs, ...o.hidden, entries], name: `${name}/L` });
  const vNet = new DenseStack({ ...common, widths: [inputs, ...o.hidden, 1], name: `${name}/V` });
  const layout = triangularLayout(n);
  const select = tf.tensor2d(layout.select, [entries, n * n]);
  const diagonal = tf.tensor1d(layout.diagonal);
  const offDiagonal = tf.tensor1d(layout.diagonal.map((d) => 1 - d));
  const identity = tf.eye(n);

  const features = (x: tf.Tensor) => angleFeatures(tf.slice(x, [0, 0], [-1, n]), angles, o.angleInput);
  /** L_θ [B, n, n] from the network output o [B, m]. */
  const factor = (raw: tf.Tensor) => {
    const entriesOf = tf.add(tf.mul(raw, offDiagonal), tf.mul(tf.add(tf.softplus(raw), DIAGONAL_SHIFT), diagonal));
    return tf.reshape(tf.matMul(entriesOf as tf.Tensor2D, select as tf.Tensor2D), [-1, n, n]);
  };
  const massOf = (l: tf.Tensor) => tf.add(tf.matMul(l as tf.Tensor3D, l as tf.Tensor3D, false, true), tf.mul(identity, o.epsilon));
  const massMatrix = (x: tf.Tensor) => massOf(factor(lNet.apply(features(x).value)));

  const acceleration = (x: tf.Tensor): tf.Tensor => {
    const b = x.shape[0]!;
    const input = features(x);
    const v = tf.slice(x, [0, n], [-1, n]);
    const lOut = netJacobian(input.value, lNet.weights, lNet.biases, o.activation);
    const raw = lOut.value; // [B, m]
    const jacobian = pullBack(lOut.jacobian, input.jacobian); // [B, m, n]
    const l = factor(raw);
    // dl[b, k, i, j] = ∂L_ij/∂q_k: the entries' derivatives through the diagonal's softplus, then placed.
    const slope = tf.add(offDiagonal, tf.mul(tf.sigmoid(raw), diagonal));
    const dEntries = tf.transpose(tf.mul(jacobian, tf.expandDims(slope, 2)), [0, 2, 1]); // [B, n, m]
    const dl = tf.reshape(tf.matMul(tf.reshape(dEntries, [b * n, entries]) as tf.Tensor2D, select as tf.Tensor2D), [b, n, n, n]);
    const u = tf.sum(tf.mul(l, tf.reshape(v, [b, n, 1])), 1); // Lᵀ q̇
    const lDot = tf.sum(tf.mul(dl, tf.reshape(v, [b, n, 1, 1])), 1); // Σ_k ∂L/∂q_k q̇_k
    const w = tf.sum(tf.mul(lDot, tf.reshape(v, [b, n, 1])), 1); // L̇ᵀ q̇
    // Ṁ q̇ = L̇ (Lᵀ q̇) + L (L̇ᵀ q̇); ½ ∂(q̇ᵀ M q̇)/∂q_k = q̇ᵀ (∂L/∂q_k) (Lᵀ q̇).
    const mDotV = tf.add(tf.sum(tf.mul(lDot, tf.reshape(u, [b, 1, n])), 2), tf.sum(tf.mul(l, tf.reshape(w, [b, 1, n])), 2));
    const dKinetic = tf.sum(tf.mul(tf.mul(dl, tf.reshape(v, [b, 1, n, 1])), tf.reshape(u, [b, 1, 1, n])), [2, 3]);
    const dV = pullBack(scalarNetGradient(input.value, vNet.weights, vNet.biases, o.activation).grad, input.jacobian);
    const rhs = tf.sub(tf.sub(dKinetic, mDotV), dV);
    return solveSpd(massOf(l), rhs);
  };

  const potential = (x: tf.Tensor) => tf.reshape(vNet.apply(features(x).value), [-1]);
  return {
    // V's output bias is an additive constant of L that no trajectory can see: not trained (it stays 0).
    variables: [...lNet.variables, ...vNet.variables.filter((v) => v !== vNet.biases[vNet.biases.length - 1])],
    vectorField: (_t, x) => tf.concat([tf.slice(x, [0, n], [-1, n]), acceleration(x)], 1),
    acceleration,
    massMatrix,
    potential,
    lagrangian: (x) => {
      const v = tf.slice(x, [0, n], [-1, n]);
      const mv = tf.sum(tf.mul(massMatrix(x), tf.expandDims(v, 1)), 2);
      return tf.sub(tf.mul(0.5, tf.sum(tf.mul(v, mv), 1)), potential(x));
    },
    getWeights: () => ({ ...lNet.getWeights('L/'), ...vNet.getWeights('V/') }),
    setWeights: (weights) => {
      lNet.setWeights(weights, 'L/');
      vNet.setWeights(weights, 'V/');
    },
    dispose: () => {
      lNet.dispose();
      vNet.dispose();
      for (const t of [select, diagonal, offDiagonal, identity]) t.dispose();
    },
  };
}

export default definePlugin({
  kind: 'model',
  name: 'delan',
  description: 'Deep Lagrangian Network (Lutter 2019): L = ½ q̇ᵀ M(q) q̇ − V(q), M = L Lᵀ + εI from MLPs',
  requiresMechanical: true,
  options,
  create: createDelan,
});
