/**
 * The tfjs state algebra: states are tensors of any shape (a batch is just a
 * leading dimension). Every op is recorded on the tape when called inside a
 * gradient scope, which is what the `backprop` strategy relies on.
 */
import { tf } from './tf.ts';
import type { StateOps, Tolerance } from '../ode/types.ts';

function weighted(h: number, coeffs: readonly number[], ks: readonly tf.Tensor[]): tf.Tensor[] {
  const terms: tf.Tensor[] = [];
  for (let j = 0; j < ks.length; j++) {
    const c = coeffs[j] ?? 0;
    if (c !== 0) terms.push(tf.mul(ks[j]!, h * c));
  }
  return terms;
}

const tolTensor = (t: number | readonly number[]) => (typeof t === 'number' ? tf.scalar(t) : tf.tensor1d([...t]));

export const tensorOps: StateOps<tf.Tensor> = {
  precision: 'float32',
  combine(y, h, coeffs, ks) {
    const terms = weighted(h, coeffs, ks);
    if (terms.length === 0) return y;
    return tf.add(y, terms.length === 1 ? terms[0]! : tf.addN(terms));
  },
  lincomb(h, coeffs, ks) {
    const terms = weighted(h, coeffs, ks);
    if (terms.length === 0) return tf.zerosLike(ks[0]!);
    return terms.length === 1 ? terms[0]! : tf.addN(terms);
  },
  scaledSquares(xs, refs, tol: Tolerance) {
    // Outside any gradient: the controller's arithmetic must not reach the tape's results.
    const values = tf.tidy(() => {
      const ref = refs.map((r) => tf.abs(r)).reduce((a, b) => tf.maximum(a, b));
      const scale = tf.add(tolTensor(tol.atol), tf.mul(tolTensor(tol.rtol), ref));
      const sums = xs.map((x) => tf.sum(tf.square(tf.div(x, scale))));
      // Σ|v|·0 is NaN exactly when some component of v is not finite.
      const check = tf.addN([...xs, ...refs].map((v) => tf.sum(tf.mul(tf.abs(v), 0))));
      return tf.stack([...sums, check]).dataSync();
    });
    const sums = Array.from(values.subarray(0, xs.length));
    return { sums, count: refs[0]!.size, finite: Number.isFinite(values[xs.length]!) };
  },
};
