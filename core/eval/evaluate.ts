/**
 * Evaluation on held-out trajectories: full rollouts from each trajectory's
 * initial state over the whole time grid, and the training loss on
 * consecutive held-out segments.
 */
import type { DataConfig, TrainConfig } from '../config/experiment.ts';
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import { tf } from '../tensor/tf.ts';
import { untapedTensorOps } from '../ode/tensor-ops.ts';
import { disposeBatch, segmentsBatch } from '../train/batch.ts';
import type { Dataset } from '../train/data.ts';
import { trajectoryLoss } from '../train/loss.ts';

export interface EvalMetrics {
  /** Mean absolute error of full rollouts over every time point and component. */
  eval_rollout_mae: number;
  /** Root-mean-square error of full rollouts. */
  eval_rollout_rmse: number;
  /** Error at the last time point (mean absolute). */
  eval_final_mae: number;
  /** The training loss on consecutive held-out segments of batchTime points. */
  eval_segment_loss: number;
}

export function evaluate(
  model: Model,
  integrator: Integrator,
  dataset: Dataset,
  data: DataConfig,
  train: TrainConfig,
): EvalMetrics {
  const { test, t } = dataset;
  const { count, points, dim } = test;
  const func = (tt: number, x: tf.Tensor) => model.vectorField(tt, x);
  const rollout = tf.tidy(() => {
    const truth = tf.transpose(tf.tensor3d(test.values, [count, points, dim]), [1, 0, 2]);
    const y0 = tf.slice(truth, [0, 0, 0], [1, count, dim]).reshape([count, dim]);
    const pred = tf.stack(integrator.solve(func, y0, t, untapedTensorOps).ys);
    const diff = tf.sub(pred, truth);
    const last = tf.slice(diff, [points - 1, 0, 0], [1, count, dim]);
    return [tf.mean(tf.abs(diff)), tf.sqrt(tf.mean(tf.square(diff))), tf.mean(tf.abs(last))].map(
      (x) => x.dataSync()[0]!,
    );
  });
  const starts: { k: number; p: number }[] = [];
  for (let k = 0; k < count; k++) {
    for (let p = 0; p + data.batchTime <= points; p += data.batchTime) starts.push({ k, p });
  }
  const batch = segmentsBatch(test, t, data.batchTime, starts);
  const segment = tf.tidy(() => {
    const pred = tf.stack(integrator.solve(func, batch.y0, batch.t, untapedTensorOps).ys);
    return trajectoryLoss(train.loss, pred, batch.target).dataSync()[0]!;
  });
  disposeBatch(batch);
  return {
    eval_rollout_mae: rollout[0]!,
    eval_rollout_rmse: rollout[1]!,
    eval_final_mae: rollout[2]!,
    eval_segment_loss: segment,
  };
}
