/**
 * A running cost as an extra state: integrating (x, c) with dc/dt = l(t, x)
 * gives ∫ l dτ alongside the trajectory (the seed's eq. 4). The augmented
 * state is one flat vector [x..., c].
 */
import type { RunningCost } from '../gradient.ts';
import { tf } from '../tensor/tf.ts';

export interface Augmented {
  func: (t: number, z: tf.Tensor) => tf.Tensor;
  z0: tf.Tensor;
  /** Split stacked augmented outputs [T, n + 1] into the trajectory and the final cost. */
  split(zs: tf.Tensor): { ys: tf.Tensor; cost: tf.Scalar };
}

export function augmentWithCost(
  func: (t: number, x: tf.Tensor) => tf.Tensor,
  cost: RunningCost,
  y0: tf.Tensor,
): Augmented {
  const shape = y0.shape;
  const n = y0.size;
  const state = (z: tf.Tensor) => tf.reshape(tf.slice(z, [0], [n]), shape);
  return {
    func: (t, z) => {
      const x = state(z);
      return tf.concat([tf.reshape(func(t, x), [n]), tf.reshape(cost(t, x), [1])]);
    },
    z0: tf.concat([tf.reshape(y0, [n]), tf.zeros([1])]),
    split: (zs) => {
      const steps = zs.shape[0]!;
      return {
        ys: tf.reshape(tf.slice(zs, [0, 0], [steps, n]), [steps, ...shape]),
        cost: tf.reshape(tf.slice(zs, [steps - 1, n], [1, 1]), []) as tf.Scalar,
      };
    },
  };
}
