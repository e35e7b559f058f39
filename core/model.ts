/**
 * The interface of a trainable model: a neural vector field dx/dt = f(t, x; θ).
 */
import type { Vjp } from './gradient.ts';
import type { HostFieldBinder } from './ode/host-field.ts';
import type { tf } from './tensor/tf.ts';

/** What a model is told about the problem when it is created. */
export interface ModelContext {
  /** Size of the state vector x. */
  stateDim: number;
  /** Number of generalised coordinates n, for mechanical systems (the state is (q, q̇), 2n). */
  coordinates?: number;
  /** Which coordinates are angles (a network should see them wrapped to [-π, π)), for mechanical systems. */
  angles?: readonly boolean[];
  /** Seed for weight initialisation (odelab's own generator, backend-independent). */
  seed: number;
}

/** Weights in a plain, serialisable form. */
export interface NamedWeights {
  [name: string]: { shape: number[]; values: number[] };
}

export interface Model {
  /** Trainable variables θ. */
  readonly variables: tf.Variable[];
  /** dx/dt for a batch of states x of shape [batch, stateDim] at time t. */
  vectorField(t: number, x: tf.Tensor): tf.Tensor;
  /**
   * Optional: the vector field and its vector-Jacobian products in one go,
   * without the tape (dParams in the order of `variables`). The adjoint uses
   * it for its backward pass when present.
   */
  vjp?: Vjp;
  /**
   * Optional: the vector field on host memory, bound per training step, so
   * that backprop runs the whole solve as one op (core/ode/host-backprop.ts).
   */
  hostField?: HostFieldBinder;
  /**
   * Mechanical models: the accelerations q̈ [B, n] for states x = (q, q̇)
   * [B, 2n]. Their vector field is (q̇, q̈). Acceleration-mode training
   * (train.objective 'acceleration') needs it.
   */
  acceleration?(x: tf.Tensor): tf.Tensor;
  /** Counters for the run's metrics (e.g. how many solves were damped), read after training and evaluation. */
  diagnostics?(): Record<string, number>;
  /** Snapshot of the weights. */
  getWeights(): NamedWeights;
  /** Restore weights taken by getWeights. */
  setWeights(weights: NamedWeights): void;
  /** Free the variables. */
  dispose(): void;
}
