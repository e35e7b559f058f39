/**
 * Backpropagation through the solver: the solve runs on the tape (the
 * taped tensor algebra), optionally with a running cost as an extra state.
 */
import type { Trajectory, TrajectoryRequest } from '../gradient.ts';
import { tf } from '../tensor/tf.ts';
import { tensorOps } from '../tensor/tensor-ops.ts';
import { augmentWithCost } from './running-cost.ts';

export function backpropTrajectory(req: TrajectoryRequest): Trajectory {
  if (!req.runningCost) {
    const sol = req.integrator.solve(req.func, req.y0, req.t, tensorOps);
    return { ys: tf.stack(sol.ys), forward: sol.stats };
  }
  const aug = augmentWithCost(req.func, req.runningCost, req.y0);
  const sol = req.integrator.solve(aug.func, aug.z0, req.t, tensorOps);
  return { ...aug.split(tf.stack(sol.ys)), forward: sol.stats };
}
