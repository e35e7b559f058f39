/**
 * The interface of a trainable model: a neural vector field dx/dt = f(t, x; θ).
 */
import type { Vjp } from './gradient.ts';
import type { tf } from './tensor/tf.ts';

/** What a model is told about the problem when it is created. */
export interface ModelContext {
  /** Size of the state vector x. */
  stateDim: number;
  /** Number of generalised coordinates, for mechanical systems. */
  coordinates?: number;
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
  /** Snapshot of the weights. */
  getWeights(): NamedWeights;
  /** Restore weights taken by getWeights. */
  setWeights(weights: NamedWeights): void;
  /** Free the variables. */
  dispose(): void;
}
