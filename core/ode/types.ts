/**
 * What every ODE integrator and its callers share.
 *
 * Integrators work on an abstract *state algebra* ({@link StateOps}) so that
 * one Runge-Kutta implementation serves float32 tfjs tensors (training, with
 * the tape recording) and float64 arrays (ground-truth physics).
 */

/** dy/dt = f(t, y). */
export type VectorField<S> = (t: number, y: S) => S;

/**
 * Error tolerances: a number, or one per component of the state's last
 * dimension (broadcast over leading batch dimensions).
 */
export interface Tolerance {
  rtol: number | readonly number[];
  atol: number | readonly number[];
}

/** Sums of squared scaled components (see StateOps.scaledSquares). */
export interface ScaledSquares {
  /** Σ (x / scale)² for each x. */
  sums: number[];
  /** Number of components summed over. */
  count: number;
  /** Whether every x and every reference state is finite. */
  finite: boolean;
}

/** The few operations a Runge-Kutta method and its step-size controller need on a state type. */
export interface StateOps<S> {
  /** The floating-point precision of this state type (sets default tolerances and their floor). */
  readonly precision: 'float32' | 'float64';
  /** y + h * sum_i coeffs[i] * ks[i] (terms with a zero coefficient are skipped). */
  combine(y: S, h: number, coeffs: readonly number[], ks: readonly S[]): S;
  /**
   * For each x in xs, Σ (x / (atol + rtol · max_r |refs_r|))² over all
   * components: the mixed absolute/relative scaling of Hairer, Nørsett &
   * Wanner (II.4.3). One device sync for all of them on tensors.
   */
  scaledSquares(xs: readonly S[], refs: readonly S[], tol: Tolerance): ScaledSquares;
  /**
   * scaledSquares of the error estimates h Σ_j w_j ks_j, one per row of
   * `weights`, without necessarily materialising them as states.
   */
  errorSquares(h: number, weights: readonly (readonly number[])[], ks: readonly S[], refs: readonly S[], tol: Tolerance): ScaledSquares;
  /**
   * True when every component is finite, to fail fast on blow-ups. Optional:
   * on tensors it would force a device sync per step, so training checks the
   * loss instead.
   */
  isFinite?(y: S): boolean;
  /**
   * Free a state the solver no longer needs (a stage, a superseded state, a
   * rejected trial). Optional: absent when something else owns the memory
   * (the tape, when gradients flow through the solve), present on tensors
   * solved without a tape, so that memory does not grow with the steps.
   */
  release?(s: S): void;
  /**
   * Run one solver step in a scope that frees everything it created except
   * the states it returns (untaped tensors: tf.tidy). Optional.
   */
  scope?(fn: () => S[]): S[];
  /**
   * The two halves of the state's last dimension, (q, q̇) of a mechanical
   * state, as new states; a ConfigError when that dimension is odd.
   * Optional: the separable (partitioned) methods need it and joinHalves.
   */
  splitHalves?(y: S): [S, S];
  /** The inverse of splitHalves: the halves concatenated along the last dimension. */
  joinHalves?(a: S, b: S): S;
}

/** Counters of one solve (docs/solvers-and-gradients.md). */
export interface SolveStats {
  /** Evaluations of the vector field. */
  nfe: number;
  /** Accepted steps. */
  steps: number;
  /** Rejected steps (always 0 for fixed-step methods). */
  rejected: number;
  /** Jacobian evaluations (implicit methods only). */
  njev?: number;
  /** LU decompositions (implicit methods only). */
  nlu?: number;
}

/**
 * One accepted step, as a monitor sees it: the states at both ends and, for
 * methods with a continuous extension, the step's dense output.
 */
export interface StepView<S> {
  t0: number;
  y0: S;
  t1: number;
  y1: S;
  /** The solution inside the step, for t in [t0, t1] (absent: the caller re-integrates from (t0, y0)). */
  dense?: (t: number) => S;
}

/**
 * Called after every accepted step, before the outputs inside it are
 * recorded: returning true ends the solve there (events, core/ode/events.ts).
 */
export type StepMonitor<S> = (step: StepView<S>) => boolean;

/** The result of integrating through a list of output times. */
export interface Solution<S> {
  /** The state at each output time; `ys[0]` is `y0`. Cut short when a monitor stopped the solve. */
  ys: S[];
  stats: SolveStats;
  /**
   * The step at which a monitor stopped the solve: `ys` then holds the outputs at times up to its t0
   * only, and its states are not released (the caller owns them).
   */
  stopped?: StepView<S>;
}

/** An integrator configured with its options, ready to solve. */
export interface Integrator {
  readonly name: string;
  /** Order of accuracy of the propagated solution. */
  readonly order: number;
  /** Whether the method controls its step size from an error estimate. */
  readonly adaptive: boolean;
  /** Whether it needs a separable state (q, q̇) split into halves (StateOps.splitHalves): not for augmented states. */
  readonly requiresSeparable?: boolean;
  /**
   * Whether it solves implicit stage equations (Newton on float64 arrays or tensors): backprop then records
   * the tfjs tape, not the host tape of explicit steps (core/ode/host-backprop.ts).
   */
  readonly implicit?: boolean;
  /**
   * θ-methods (implicit-euler: 1, trapezoid: ½): the weight of the step's end point. The adjoint runs its
   * backward solve with this scheme on stored forward states when it is the backward method (core/ode/stiff-adjoint.ts).
   */
  readonly theta?: number;
  /**
   * Whether it follows a system's events with state jumps (core/ode/event-chain.ts): backprop then records
   * the tfjs tape, and the continuous adjoint is refused (its backward solve would cross the jumps).
   */
  readonly events?: boolean;
  /**
   * Integrate from `t[0]` through every output time in `t` (strictly
   * monotone, increasing or decreasing).
   */
  solve<S>(f: VectorField<S>, y0: S, t: readonly number[], ops: StateOps<S>, monitor?: StepMonitor<S>): Solution<S>;
}

export function emptyStats(): SolveStats {
  return { nfe: 0, steps: 0, rejected: 0 };
}

/** Add the counters of `s` to `into` (the implicit methods' njev and nlu too, where `s` has them). */
export function addStats(into: SolveStats, s: SolveStats): void {
  into.nfe += s.nfe;
  into.steps += s.steps;
  into.rejected += s.rejected;
  if (s.njev !== undefined) into.njev = (into.njev ?? 0) + s.njev;
  if (s.nlu !== undefined) into.nlu = (into.nlu ?? 0) + s.nlu;
}
