/**
 * The tfjs state algebra: states are tensors of any shape (a batch is just a
 * leading dimension). Every op is recorded on the tape when called inside a
 * gradient scope, which is what the `backprop` strategy relies on.
 */
import { tf } from './tf.ts';
import type { StateOps } from '../ode/types.ts';

export const tensorOps: StateOps<tf.Tensor> = {
  combine(y, h, coeffs, ks) {
    const terms: tf.Tensor[] = [];
    for (let j = 0; j < ks.length; j++) {
      const c = coeffs[j] ?? 0;
      if (c !== 0) terms.push(tf.mul(ks[j]!, h * c));
    }
    if (terms.length === 0) return y;
    return tf.add(y, terms.length === 1 ? terms[0]! : tf.addN(terms));
  },
};
