/**
 * Jacobians ∂f/∂y for the implicit methods on float64 states: the caller's
 * `jacobian(t, y)` when given (a system can supply it exactly, e.g. from
 * forward-mode Duals, core/physics/dual.ts, a layer above this one), else
 * column-wise forward differences with Hairer's increment
 * δ_j = sqrt(uround · max(1e-5, |y_j|)) (RADAU5's and SciPy Radau's default),
 * costing n evaluations of f, counted in nfe. On tfjs tensors (the θ-methods'
 * Newton iterations, the adjoint's implicit backward solve) J comes per row
 * of a [batch, d] state from d vector-Jacobian products.
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { s } from '../schema.ts';
import { isolatedGradients } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';
import type { SolveStats, VectorField } from './types.ts';

/** ∂f/∂y at (t, y): a row-major n×n Float64Array (J[i·n + j] = ∂f_i/∂y_j) or n rows. */
export type JacobianFunction = (t: number, y: Float64Array) => Float64Array | ArrayLike<ArrayLike<number>>;

/** The options every implicit method takes. */
export const implicitOptionsShape = {
  jacobian: s
    .unknown()
    .optional()
    .describe(
      'float64 states: a function (t, y) => ∂f/∂y (row-major n×n Float64Array or n rows); default: forward differences with Hairer\'s increment (n evaluations of f each)',
    ),
};

/** The `jacobian` option checked to be a function (or absent). */
export function jacobianOption(v: unknown, path = 'integrator.jacobian'): JacobianFunction | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new ConfigError(path, `${path} must be a function (t, y) => ∂f/∂y, got ${typeof v}`);
  return v as JacobianFunction;
}

const UROUND = 2 ** -52;

/** An evaluator of ∂f/∂y at (t, y, f(t, y)) that counts njev (and nfe for differences) in `stats`. */
export function jacobianEvaluator(
  f: VectorField<Float64Array>,
  user: JacobianFunction | undefined,
  stats: SolveStats,
  threshold?: Float64Array,
): (t: number, y: Float64Array, fy: Float64Array) => Float64Array {
  return (t, y, fy) => {
    stats.njev = (stats.njev ?? 0) + 1;
    const n = y.length;
    if (user) return toRowMajor(user(t, y), n);
    const J = new Float64Array(n * n);
    const yp = Float64Array.from(y);
    for (let j = 0; j < n; j++) {
      const yj = y[j]!;
      const delta = threshold
        ? Math.sqrt(UROUND) * Math.max(threshold[j]!, Math.abs(yj))
        : Math.sqrt(UROUND * Math.max(1e-5, Math.abs(yj)));
      yp[j] = yj + delta;
      const fp = f(t, yp);
      stats.nfe += 1;
      const d = yp[j]! - yj; // the increment as represented
      for (let i = 0; i < n; i++) J[i * n + j] = (fp[i]! - fy[i]!) / d;
      yp[j] = yj;
    }
    return J;
  };
}

function toRowMajor(J: Float64Array | ArrayLike<ArrayLike<number>>, n: number): Float64Array {
  if (J instanceof Float64Array) {
    if (J.length !== n * n) throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `jacobian returned ${J.length} values, expected ${n}×${n}`);
    return J;
  }
  if (J.length !== n) throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `jacobian returned ${J.length} rows, expected ${n}`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = J[i]!;
    for (let j = 0; j < n; j++) out[i * n + j] = row[j]!;
  }
  return out;
}

/** Host values of ∂f/∂y per row of a [B, d] view of y: B blocks of d×d, row-major. */
export function tensorJacobianBlocks(f: VectorField<tf.Tensor>, t: number, y: tf.Tensor, B: number, d: number): Float64Array {
  const J = new Float64Array(B * d * d);
  const x = tf.tidy(() => tf.reshape(y, [B, d]));
  for (let i = 0; i < d; i++) {
    const e = new Float32Array(B * d);
    for (let b = 0; b < B; b++) e[b * d + i] = 1;
    // Isolated: this may run inside another gradient's backward pass or a custom op's forward (the adjoint's solves).
    const row = tf.tidy(() => {
      const { grads } = isolatedGradients(() => tf.sum(tf.mul(tf.reshape(f(t, tf.reshape(x, y.shape)), [B, d]), tf.tensor2d(e, [B, d]))) as tf.Scalar, [x]);
      return grads[0] ?? tf.zerosLike(x);
    });
    const values = row.dataSync();
    for (let b = 0; b < B; b++) for (let j = 0; j < d; j++) J[b * d * d + i * d + j] = values[b * d + j]!;
    row.dispose();
  }
  x.dispose();
  return J;
}
