/**
 * The interface of a gradient strategy: how a trajectory is computed so that
 * the gradients of a loss on it reach tfjs's machinery (backprop through the
 * solver, or the continuous adjoint).
 */
import type { Integrator, SolveStats } from './ode/types.ts';
import type { tf } from './tensor/tf.ts';

export interface TrajectoryRequest {
  /** The vector field dx/dt = func(t, x), closing over `params`. */
  func: (t: number, x: tf.Tensor) => tf.Tensor;
  /** Initial state, any shape (a batch is a leading dimension). */
  y0: tf.Tensor;
  /** Output times, strictly monotone; t[0] is the time of y0. */
  t: readonly number[];
  integrator: Integrator;
  /** The variables func closes over (needed by strategies that bypass the tape). */
  params: readonly tf.Variable[];
}

export interface Trajectory {
  /** States at the output times, shape [t.length, ...y0.shape]. */
  ys: tf.Tensor;
  /** Forward-pass solver statistics. */
  forward: SolveStats;
}

export interface GradientStrategy {
  readonly name: string;
  /** Must be called inside the scope whose gradients are wanted (tf.variableGrads). */
  trajectory(request: TrajectoryRequest): Trajectory;
}
