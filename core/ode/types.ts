/**
 * What every ODE integrator and its callers share.
 *
 * Integrators work on an abstract *state algebra* ({@link StateOps}) so that
 * one Runge-Kutta implementation serves float32 tfjs tensors (training, with
 * the tape recording) and float64 arrays (ground-truth physics).
 */

/** dy/dt = f(t, y). */
export type VectorField<S> = (t: number, y: S) => S;

/** The few operations an explicit Runge-Kutta method needs on a state type. */
export interface StateOps<S> {
  /** y + h * sum_i coeffs[i] * ks[i] (terms with a zero coefficient are skipped). */
  combine(y: S, h: number, coeffs: readonly number[], ks: readonly S[]): S;
  /**
   * True when every component is finite, to fail fast on blow-ups. Optional:
   * on tensors it would force a device sync per step, so training checks the
   * loss instead.
   */
  isFinite?(y: S): boolean;
}

/** Counters of one solve (see the README, "Solver statistics"). */
export interface SolveStats {
  /** Evaluations of the vector field. */
  nfe: number;
  /** Accepted steps. */
  steps: number;
  /** Rejected steps (always 0 for fixed-step methods). */
  rejected: number;
}

/** The result of integrating through a list of output times. */
export interface Solution<S> {
  /** The state at each output time; `ys[0]` is `y0`. */
  ys: S[];
  stats: SolveStats;
}

/** An integrator configured with its options, ready to solve. */
export interface Integrator {
  readonly name: string;
  /** Order of accuracy of the propagated solution. */
  readonly order: number;
  /** Whether the method controls its step size from an error estimate. */
  readonly adaptive: boolean;
  /**
   * Integrate from `t[0]` through every output time in `t` (strictly
   * monotone, increasing or decreasing).
   */
  solve<S>(f: VectorField<S>, y0: S, t: readonly number[], ops: StateOps<S>): Solution<S>;
}

export function emptyStats(): SolveStats {
  return { nfe: 0, steps: 0, rejected: 0 };
}
