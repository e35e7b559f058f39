/** Trajectory losses. */
import { tf } from '../tensor/tf.ts';

export type LossName = 'l1' | 'mse';

/** Mean absolute (l1) or squared (mse) error between prediction and target. */
export function trajectoryLoss(name: LossName, pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const diff = tf.sub(pred, target);
  return (name === 'l1' ? tf.mean(tf.abs(diff)) : tf.mean(tf.square(diff))) as tf.Scalar;
}
