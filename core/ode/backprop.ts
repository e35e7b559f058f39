/**
 * Backpropagation through the solver: the solve runs on the tape (the
 * taped tensor algebra), optionally with a running cost as an extra state,
 * or, when the model has a host vector field that applies, as one op on
 * host memory (host-backprop.ts; not with a running cost).
 */
import { ConfigError } from '../errors.ts';
import type { Trajectory, TrajectoryRequest } from '../gradient.ts';
import { tf } from '../tensor/tf.ts';
import { tensorOps } from './tensor-ops.ts';
import { hostBackpropTrajectory } from './host-backprop.ts';
import { augmentWithCost } from './running-cost.ts';

export function backpropTrajectory(req: TrajectoryRequest): Trajectory {
  // Separable methods split the state into (q, q̇) halves: not the host path's flat batch, nor a state augmented with a cost.
  const separable = req.integrator.requiresSeparable === true;
  if (separable && req.runningCost) {
    throw new ConfigError('integrator.name', `integrator.name: '${req.integrator.name}' integrates separable (q, q̇) states only; a running cost is integrated as an extra state: use implicit-midpoint or an explicit method`);
  }
  if (!req.runningCost) {
    // Implicit methods' Newton iterations run on the tfjs tape (their states are not the host tape's).
    const host = !separable && !req.integrator.implicit && !req.integrator.events && req.hostField && req.y0.rank === 2 && req.y0.dtype === 'float32' ? req.hostField(req.y0.shape[0]!) : null;
    if (host) return hostBackpropTrajectory(req, host);
    const sol = req.integrator.solve(req.func, req.y0, req.t, tensorOps);
    return { ys: tf.stack(sol.ys), forward: sol.stats };
  }
  const aug = augmentWithCost(req.func, req.runningCost, req.y0);
  const sol = req.integrator.solve(aug.func, aug.z0, req.t, tensorOps);
  return { ...aug.split(tf.stack(sol.ys)), forward: sol.stats };
}
