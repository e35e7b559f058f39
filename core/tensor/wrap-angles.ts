/**
 * Angle wrapping on tensors: a network sees angles in [-π, π), so that θ and
 * θ + 2π give the same output. The wrap is piecewise the identity, so its
 * derivative is 1 and gradients pass through unchanged.
 */
import { tf } from './tf.ts';

/** Wrap the columns of x [B, d] flagged in `angles` (the first angles.length columns) to [-π, π). */
export function wrapAngleColumns(x: tf.Tensor, angles: readonly boolean[]): tf.Tensor {
  if (!angles.some(Boolean)) return x;
  const d = x.shape[x.shape.length - 1]!;
  const mask = tf.tensor1d(Array.from({ length: d }, (_, i) => (i < angles.length && angles[i] ? 1 : 0)));
  const twoPi = 2 * Math.PI;
  const wrapped = tf.sub(x, tf.mul(tf.floor(tf.div(tf.add(x, Math.PI), twoPi)), twoPi));
  return tf.add(x, tf.mul(tf.sub(wrapped, x), mask));
}
