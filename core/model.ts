/**
 * The interface of a trainable model: a neural vector field dx/dt = f(t, x; θ).
 */
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
  /** Snapshot of the weights. */
  getWeights(): NamedWeights;
  /** Restore weights taken by getWeights. */
  setWeights(weights: NamedWeights): void;
  /** Free the variables. */
  dispose(): void;
}
