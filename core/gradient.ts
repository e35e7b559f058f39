/**
 * The interface of a gradient strategy: how a trajectory is computed so that
 * the gradients of a loss on it reach tfjs's machinery (backprop through the
 * solver, or the continuous adjoint).
 */
import type { HostFieldBinder } from './ode/host-field.ts';
import type { Integrator, SolveStats } from './ode/types.ts';
import type { tf } from './tensor/tf.ts';

/** A running cost l(t, x) whose integral ∫ l dτ over the solve is an output (the seed's eq. 4). */
export type RunningCost = (t: number, x: tf.Tensor) => tf.Scalar;

export interface TrajectoryRequest {
  /** The vector field dx/dt = func(t, x), closing over `params`. */
  func: (t: number, x: tf.Tensor) => tf.Tensor;
  /** Initial state, any shape (a batch is a leading dimension). */
  y0: tf.Tensor;
  /** Output times, strictly monotone; t[0] is the time of y0. */
  t: readonly number[];
  integrator: Integrator;
  /** The variables func (and runningCost) close over: the strategy's gradients are taken for these. */
  params: readonly tf.Variable[];
  /** Also integrate ∫ runningCost(t, x) dτ from t[0] to t[last]. */
  runningCost?: RunningCost;
  /**
   * Optional fast vector-Jacobian product of func (see Model.vjp), used by
   * the adjoint instead of taping each evaluation.
   */
  vjp?: Vjp;
  /** Optional host vector field of func (see Model.hostField): backprop then solves on host memory as one op. */
  hostField?: HostFieldBinder;
}

/** f(t, x) and the products cᵀ ∂f/∂x and cᵀ ∂f/∂θ (one per param, in the params' order). */
export type Vjp = (t: number, x: tf.Tensor, cotangent: tf.Tensor) => { value: tf.Tensor; dx: tf.Tensor; dParams: tf.Tensor[] };

export interface Trajectory {
  /** States at the output times, shape [t.length, ...y0.shape]. */
  ys: tf.Tensor;
  /** ∫ runningCost dτ, when a running cost was given. */
  cost?: tf.Scalar;
  /** Forward-pass solver statistics. */
  forward: SolveStats;
  /** Backward-pass statistics, filled in when gradients are computed (adjoint only). */
  backward?: SolveStats;
}

/** What a gradient strategy can ask of its host: integrators by name (for the adjoint's backward pass). */
export interface GradientContext {
  /** The experiment's forward integrator: its plugin name and validated options. */
  forward: { name: string; options: Record<string, unknown> };
  /** An integrator plugin by name, created with already validated options. */
  integrator(name: string, options: Record<string, unknown>): Integrator;
}

export interface GradientStrategy {
  readonly name: string;
  /** Must be called inside the scope whose gradients are wanted (tf.variableGrads). */
  trajectory(request: TrajectoryRequest): Trajectory;
}
