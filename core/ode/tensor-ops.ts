/**
 * The tfjs state algebra: states are tensors of any shape (a batch is just a
 * leading dimension). Every op is recorded on the tape when called inside a
 * gradient scope, which is what the `backprop` strategy relies on.
 *
 * On host backends (cpu, wasm) combinations are one fused kernel and error
 * norms are computed on the host data directly, so the solver's own work per
 * step stays small next to a network evaluation; elsewhere they are composed
 * from tfjs ops with one device read per norm.
 */
import { ConfigError } from '../errors.ts';
import { tf } from '../tensor/tf.ts';
import { fusedCombine, hostValues, onHostBackend } from '../tensor/fused-combine.ts';
import { lincombFlat, scaledSquaresFlat } from './scaled-norm.ts';
import type { ScaledSquares, StateOps, Tolerance } from './types.ts';

function weighted(h: number, coeffs: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor[] {
  const terms: tf.Tensor[] = [];
  for (let j = 0; j < ks.length; j++) {
    const c = coeffs[j] ?? 0;
    if (c !== 0) terms.push(tf.mul(ks[j]!, h * c));
  }
  return terms;
}

export function compositeCombine(y: tf.Tensor, h: number, coeffs: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor {
  const terms = weighted(h, coeffs, ks);
  if (terms.length === 0) return y;
  return tf.add(y, terms.length === 1 ? terms[0]! : tf.addN(terms));
}

/** h Σ_j coeffs_j ks_j from tfjs ops (the device path's error estimates). */
function lincomb(h: number, coeffs: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor {
  const terms = weighted(h, coeffs, ks);
  if (terms.length === 0) return tf.zerosLike(ks[0]!);
  return terms.length === 1 ? terms[0]! : tf.addN(terms);
}

const tolTensor = (t: number | readonly number[]) => (typeof t === 'number' ? tf.scalar(t) : tf.tensor1d([...t]));

/** The composite (device) version: one read of all sums and a finiteness flag. */
export function deviceScaledSquares(xs: readonly tf.Tensor[], refs: readonly tf.Tensor[], tol: Tolerance): ScaledSquares {
  const values = tf.tidy(() => {
    const ref = refs.map((r) => tf.abs(r)).reduce((a, b) => tf.maximum(a, b));
    const scale = tf.add(tolTensor(tol.atol), tf.mul(tolTensor(tol.rtol), ref));
    const sums = xs.map((x) => tf.sum(tf.square(tf.div(x, scale))));
    // Σ|v|·0 is NaN exactly when some component of v is not finite.
    const check = tf.addN(refs.map((v) => tf.sum(tf.mul(tf.abs(v), 0))));
    return tf.stack([...sums, check]).dataSync();
  });
  const sums = Array.from(values.subarray(0, xs.length));
  const finite = Number.isFinite(values[xs.length]!) && sums.every(Number.isFinite);
  // Components with an infinite atol are left out of the norm (seminorm).
  const atol = typeof tol.atol === 'number' ? [tol.atol] : tol.atol;
  const included = atol.filter((a) => a !== Infinity).length / atol.length;
  return { sums, count: Math.max(1, Math.round(refs[0]!.size * included)), finite };
}

const host = (xs: readonly tf.Tensor[]) => xs.map(hostValues);

export const tensorOps: StateOps<tf.Tensor> = {
  precision: 'float32',
  combine(y, h, coeffs, ks) {
    return onHostBackend() && y.dtype === 'float32' ? fusedCombine(y, h, coeffs, ks) : compositeCombine(y, h, coeffs, ks);
  },
  scaledSquares(xs, refs, tol) {
    return onHostBackend() ? scaledSquaresFlat(host(xs), host(refs), tol) : deviceScaledSquares(xs, refs, tol);
  },
  errorSquares(h, weights, ks, refs, tol) {
    if (onHostBackend()) {
      const kd = host(ks);
      return scaledSquaresFlat(weights.map((w) => lincombFlat(h, w, kd)), host(refs), tol);
    }
    const errs = weights.map((w) => lincomb(h, w, ks));
    try {
      return deviceScaledSquares(errs, refs, tol);
    } finally {
      for (const e of errs) e.dispose();
    }
  },
  splitHalves(y) {
    const d = y.shape[y.rank - 1] ?? 1;
    if (y.rank === 0 || d % 2 !== 0) throw new ConfigError('y0', `the state must be (q, q̇) with an even last dimension to be split into halves, got shape [${y.shape.join(', ')}]`);
    const [a, b] = tf.split(y, 2, -1);
    return [a!, b!];
  },
  joinHalves: (a, b) => tf.concat([a, b], -1),
};

/**
 * The tensor state algebra for solves that no gradient flows through (the
 * adjoint's forward and backward passes, evaluation rollouts): the solver
 * frees stages and superseded states as it goes, so memory does not grow
 * with the number of steps.
 */
export const untapedTensorOps: StateOps<tf.Tensor> = {
  ...tensorOps,
  release: (s) => s.dispose(),
  scope: (fn) => tf.tidy(fn),
};
