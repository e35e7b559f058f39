/**
 * The interface of a physical (or demo) system: the ground truth that data is
 * generated from, in float64.
 */
import type { JumpEvent } from './ode/event-chain.ts';
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
  /**
   * Optional: the energy scale of the energy metric (its errors are in % of it), when the default
   * (max|V| over the true rollouts, else max|E|; core/eval/mechanics.ts) does not fit the system.
   */
  energyScale?: EnergyScale;
}

/**
 * A system's own energy scale for the energy metric: a number, or a function of the true
 * rollouts' states (every frame of every start), and what it is in words, e.g. 'max|E| over the
 * true rollouts'. The description is the plots' "% of ..." and the metric's stated meaning.
 */
export interface EnergyScale {
  value: number | ((states: readonly Float64Array[], energy: (x: Float64Array) => number) => number);
  description: string;
}

/**
 * Names and units of a system's quantities, for the axes of its plots. Every
 * field is optional: without them plots name the state x1, x2, ... (q1, q̇1,
 * ... for mechanical systems) and show no units, since none are known. A
 * unit of '' declares the quantity dimensionless, which the plots then say.
 */
export interface SystemLabels {
  /** One name per state component, e.g. ['θ₁', 'θ₂', 'ω₁', 'ω₂'] (mechanical systems: q then q̇). */
  state?: readonly string[];
  /** One unit per state component, e.g. ['rad', 'rad', 'rad/s', 'rad/s']; '' for a dimensionless one. */
  stateUnits?: readonly string[];
  /** The unit of time, e.g. 's'; '' when time is dimensionless. */
  time?: string;
  /** Mechanical systems: the unit of the energies T and V, e.g. 'J'. */
  energy?: string;
  /**
   * Mechanical systems: one name per acceleration q̈_i, e.g. ['α₁', 'α₂'].
   * Default: d(velocity name)/dt, in the velocity's unit per unit of time.
   */
  accelerations?: readonly string[];
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
  /** Optional names and units for plots (see SystemLabels). */
  readonly labels?: SystemLabels;
  /**
   * Optional: an event with a state jump (an impact, a switch). Every solve on this system, ground truth,
   * training and evaluation alike, then stops where event.fn crosses zero, applies the jump and goes on
   * (core/ode/event-chain.ts); training follows the event times' gradients.
   */
  readonly event?: JumpEvent;
  /**
   * Optional: the system is stiff. Its ground truth is then integrated with radau5 (unless data.truthMethod
   * names another method), with this exact Jacobian ∂f/∂x (row-major d×d) when given, else finite differences.
   */
  readonly stiff?: { jacobian?(t: number, x: Float64Array): Float64Array };
}

/** Total energy T + V of a mechanical system's state. */
export function totalEnergy(m: MechanicalStructure, x: Float64Array): number {
  return m.kinetic(x) + m.potential(x);
}
