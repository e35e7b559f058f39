/**
 * One step of a generic explicit Runge-Kutta method, on any state algebra.
 */
import type { ButcherTableau } from './tableau.ts';
import type { StateOps, VectorField } from './types.ts';

export interface RkStep<S> {
  /** The propagated solution at t + h. */
  y: S;
  /** The stage derivatives k_1 .. k_s (k_s = f(t+h, y) for FSAL methods). */
  ks: S[];
}

/**
 * Take one step of size `h` from (t, y).
 *
 * @param k1 f(t, y) when already known (FSAL reuse); computed otherwise.
 * @returns the new state and the stage derivatives; the caller counts
 *   `ks.length - (k1 ? 1 : 0)` function evaluations.
 */
export function rkStep<S>(
  tab: ButcherTableau,
  f: VectorField<S>,
  ops: StateOps<S>,
  t: number,
  y: S,
  h: number,
  k1?: S,
): RkStep<S> {
  const ks: S[] = [k1 ?? f(t, y)];
  const s = tab.stages;
  for (let i = 1; i < s; i++) {
    // FSAL: the last stage's state is exactly the propagated solution.
    const yi = ops.combine(y, h, tab.a[i]!, ks);
    const ki = f(t + tab.c[i]! * h, yi);
    ks.push(ki);
    if (tab.fsal && i === s - 1) return { y: yi, ks };
    if (ki !== yi && yi !== y) ops.release?.(yi);
  }
  return { y: ops.combine(y, h, tab.b, ks), ks };
}
