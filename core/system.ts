/**
 * The interface of a physical (or demo) system: the ground truth that data is
 * generated from, in float64.
 */
import type { Rng } from './random.ts';

/** Extra structure of a mechanical system with generalised coordinates q. */
export interface MechanicalStructure {
  /** Number of generalised coordinates n; the state is x = (q, q̇) of size 2n. */
  coordinates: number;
  /** Kinetic energy T(q, q̇). */
  kinetic(x: Float64Array): number;
  /** Potential energy V(q). */
  potential(x: Float64Array): number;
  /** Which coordinates are angles (wrapped to (-π, π] before a network sees them). */
  angles: readonly boolean[];
}

export interface System {
  /** Size of the state vector. */
  readonly stateDim: number;
  /** Default length of a trajectory in time units. */
  readonly timeSpan: number;
  /** dx/dt at (t, x), in float64. */
  derivative(t: number, x: Float64Array): Float64Array;
  /** Draw an initial state. */
  sampleInitialState(rng: Rng): Float64Array;
  /** Present for mechanical systems. */
  readonly mechanical?: MechanicalStructure;
}

/** Total energy T + V of a mechanical system's state. */
export function totalEnergy(m: MechanicalStructure, x: Float64Array): number {
  return m.kinetic(x) + m.potential(x);
}
