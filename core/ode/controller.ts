/**
 * Step-size control for embedded Runge-Kutta pairs (Hairer, Nørsett &
 * Wanner, Solving ODEs I, §II.4): the mixed absolute/relative RMS error
 * norm, the step-size update h·min(ifactor, max(dfactor, safety·ε^(-1/(q+1))))
 * with no growth right after a rejection, and Hairer's starting-step heuristic.
 */
import type { ButcherTableau } from './tableau.ts';
import type { StateOps, Tolerance, VectorField } from './types.ts';

export interface ControllerOptions {
  /** Safety factor on the optimal step (0.9). */
  safety: number;
  /** Largest growth factor per step (10). */
  ifactor: number;
  /** Smallest shrink factor per rejected step (0.2). */
  dfactor: number;
}

export const DEFAULT_CONTROLLER: ControllerOptions = { safety: 0.9, ifactor: 10, dfactor: 0.2 };

export interface ErrorEstimate {
  /** The error norm ε; the step is accepted when ε ≤ 1. NaN when the state is not finite. */
  ratio: number;
}

/**
 * The error norm of one step from y0 to y1 with stages ks.
 * For DOP853 (two embedded solutions) Hairer's combination
 * ε = |err5|² / sqrt((|err5|² + 0.01 |err3|²) · n) is used.
 */
export function errorRatio<S>(
  tab: ButcherTableau,
  ops: StateOps<S>,
  y0: S,
  y1: S,
  ks: readonly S[],
  h: number,
  tol: Tolerance,
): ErrorEstimate {
  const weights = tab.errorWeightsLow ? [tab.errorWeights!, tab.errorWeightsLow] : [tab.errorWeights!];
  const { sums, count, finite } = ops.errorSquares(h, weights, ks, [y0, y1], tol);
  if (!finite) return { ratio: NaN };
  if (!tab.errorWeightsLow) return { ratio: Math.sqrt(sums[0]! / count) };
  const [e5, e3] = sums as [number, number];
  if (e5 === 0 && e3 === 0) return { ratio: 0 };
  return { ratio: e5 / Math.sqrt((e5 + 0.01 * e3) * count) };
}

/**
 * The next step size after a step of size h with error norm `ratio`
 * (HNW II.4.13, as Hairer's codes and SciPy): h·min(ifactor, max(dfactor,
 * safety·ε^(-1/(q+1)))), and no growth right after a rejection.
 * @param afterReject whether the attempt before this one was rejected.
 */
export function nextStepSize(h: number, ratio: number, q: number, o: ControllerOptions, afterReject = false): number {
  if (!Number.isFinite(ratio)) return h * o.dfactor;
  let factor = ratio === 0 ? o.ifactor : Math.min(o.ifactor, Math.max(o.dfactor, o.safety * ratio ** (-1 / (q + 1))));
  if (ratio <= 1 && afterReject) factor = Math.min(1, factor);
  return h * factor;
}

/**
 * Hairer's starting step (Solving ODEs I, §II.4, "Starting step size"):
 * h0 from the sizes of y0 and f0, one explicit Euler trial step to estimate
 * the second derivative, then h1 = (0.01 / max(d1, d2))^(1/(q+1)).
 * Costs one function evaluation. Returns a positive size.
 */
export function initialStepSize<S>(
  f: VectorField<S>,
  ops: StateOps<S>,
  t0: number,
  y0: S,
  f0: S,
  direction: 1 | -1,
  q: number,
  tol: Tolerance,
): number {
  const rms = (x: S) => {
    const { sums, count } = ops.scaledSquares([x], [y0], tol);
    return Math.sqrt(sums[0]! / count);
  };
  const d0 = rms(y0);
  const d1 = rms(f0);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const y1 = ops.combine(y0, direction * h0, [1], [f0]);
  const f1 = f(t0 + direction * h0, y1);
  const diff = ops.combine(f1, -1, [1], [f0]);
  const d2 = rms(diff) / h0;
  for (const x of [y1, f1, diff]) ops.release?.(x);
  const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / (q + 1));
  return Math.min(100 * h0, h1);
}
