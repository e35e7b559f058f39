/**
 * The adaptive driver: embedded Runge-Kutta steps under error control, with
 * output times hit by the method's dense output (no step is shortened to
 * land on them; the last step is shortened to end at the final time, so f
 * is never evaluated beyond the requested span). Methods without dense
 * output end steps on every output time instead.
 */
import { ErrorCodes, NumericalError } from '../errors.ts';
import { errorRatio, initialStepSize, nextStepSize, type ControllerOptions } from './controller.ts';
import { rkStep } from './explicit-rk.ts';
import type { ButcherTableau } from './tableau.ts';
import { emptyStats, type Solution, type SolveStats, type StateOps, type StepMonitor, type StepView, type Tolerance, type VectorField } from './types.ts';

export interface AdaptiveOptions extends ControllerOptions {
  tol: Tolerance;
  /** Initial step size; default: Hairer's heuristic. */
  firstStep?: number;
  /** A step smaller than this is a failure (default 0: only floating-point underflow is). */
  minStep: number;
  /** Most step attempts (accepted + rejected) in one solve. */
  maxSteps: number;
}

/** Evaluate the step's interpolant at θ, computing the extra stages once per step. */
function interpolate<S>(
  tab: ButcherTableau,
  f: VectorField<S>,
  ops: StateOps<S>,
  step: { t: number; y: S; h: number; ks: S[] },
  theta: number,
  stats: SolveStats,
): S {
  const interpolant = tab.interpolant!;
  const extraA = interpolant.extraA ?? [];
  while (step.ks.length < tab.stages + extraA.length) {
    const j = step.ks.length - tab.stages;
    const yj = ops.combine(step.y, step.h, extraA[j]!, step.ks);
    const kj = f(step.t + interpolant.extraC![j]! * step.h, yj);
    step.ks.push(kj);
    if (kj !== yj) ops.release?.(yj);
    stats.nfe += 1;
  }
  return ops.combine(step.y, step.h, interpolant.weights(theta), step.ks);
}

function underflow(t: number, h: number, minStep: number): NumericalError {
  const why = minStep > 0 ? `below minStep ${minStep}` : 'too small to advance t in floating point';
  return new NumericalError(
    ErrorCodes.NUMERICAL_STEP_UNDERFLOW,
    `step size ${Math.abs(h).toExponential(3)} at t = ${t} is ${why} (underflow in dt): ` +
      'the problem may be stiff or singular here; loosen rtol/atol, lower minStep, or check the vector field',
    t,
  );
}

/** Integrate through every time in `t` with error control. */
export function solveAdaptive<S>(
  tab: ButcherTableau,
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  o: AdaptiveOptions,
  monitor?: StepMonitor<S>,
): Solution<S> {
  const stats = emptyStats();
  const ys: S[] = [y0];
  if (t.length < 2) return { ys, stats };
  // Free what the solver no longer needs, never y0 or an output (when ops can release at all).
  const kept = new Set<S>([y0]);
  const free = (...xs: S[]) => {
    if (ops.release) for (const x of xs) if (!kept.has(x) && x !== y && x !== k0) ops.release(x);
  };
  const q = tab.errorEstimatorOrder!;
  const tEnd = t[t.length - 1]!;
  const dir = tEnd > t[0]! ? 1 : -1;
  let tc = t[0]!;
  let y = y0;
  let k0 = f(tc, y);
  stats.nfe += 1;
  if (!ops.scaledSquares([k0], [y], o.tol).finite) {
    throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `non-finite state or derivative at t = ${tc}`, tc);
  }
  let h = o.firstStep ?? initialStepSize(f, ops, tc, y, k0, dir, q, o.tol);
  if (o.firstStep === undefined) stats.nfe += 1;
  h *= dir;
  let next = 1;
  let afterReject = false;
  // Shrinking below this after non-finite trial states means the field itself is non-finite here.
  const nonFiniteFloor = Math.max(o.minStep, 1e-12 * Math.max(Math.abs(tc), Math.abs(tEnd - tc)));
  while (next < t.length) {
    if (stats.steps + stats.rejected >= o.maxSteps) {
      throw new NumericalError(
        ErrorCodes.NUMERICAL_MAX_STEPS,
        `maximum number of steps (${o.maxSteps}) reached at t = ${tc} before t = ${t[next]}: ` +
          'raise maxSteps or loosen rtol/atol',
        tc,
      );
    }
    const target = tab.interpolant ? tEnd : t[next]!;
    const clipped = dir * (tc + h - target) >= 0;
    if (clipped) h = target - tc;
    if (Math.abs(h) < o.minStep || tc + h === tc) throw underflow(tc, h, o.minStep);
    // One attempt, in its own scope where the state type has one (untaped tensors): everything it
    // creates but the new state, its derivative and the outputs is freed when it ends.
    const res: { ratio: number; accepted?: { y1: S; k1: S; outs: S[]; t1: number; view?: StepView<S> } } = { ratio: NaN };
    const attempt = (): S[] => {
      const { y: y1, ks } = rkStep(tab, f, ops, tc, y, h, k0);
      stats.nfe += ks.length - 1;
      res.ratio = errorRatio(tab, ops, y, y1, ks, h, o.tol).ratio;
      if (!(res.ratio <= 1)) {
        free(y1, ...ks.slice(1).filter((k) => k !== y1));
        return [];
      }
      const t1 = clipped ? target : tc + h;
      const step = { t: tc, y, h, ks };
      if (monitor) {
        // The monitor sees the step before its outputs; its dense output (when the method has one) stays
        // valid after this scope, so it works on the untaped scope's own copies of the stages.
        const view: StepView<S> = { t0: tc, y0: y, t1, y1 };
        if (tab.interpolant) {
          const own = { t: tc, y, h, ks: [...ks] };
          view.dense = (tt: number) => (tt === t1 ? y1 : tt === tc ? y : interpolate(tab, f, ops, own, (tt - tc) / h, stats));
        }
        if (monitor(view)) {
          res.accepted = { y1, k1: y1, outs: [], t1, view };
          return [y1, ...ks];
        }
      }
      const outs: S[] = [];
      for (let i = next; i < t.length && dir * (t[i]! - t1) <= 0; i++) {
        outs.push(t[i] === t1 ? y1 : interpolate(tab, f, ops, step, (t[i]! - tc) / h, stats));
      }
      let k1: S;
      if (tab.fsal) k1 = ks[tab.stages - 1]!;
      else {
        k1 = f(t1, y1);
        stats.nfe += 1;
      }
      free(...step.ks.filter((k) => k !== k1 && k !== y1));
      res.accepted = { y1, k1, outs, t1 };
      return [y1, k1, ...outs];
    };
    if (ops.scope) ops.scope(attempt);
    else attempt();
    const { ratio, accepted } = res;
    if (accepted?.view) {
      stats.steps += 1;
      return { ys, stats, stopped: accepted.view };
    }
    if (accepted) {
      stats.steps += 1;
      for (const out of accepted.outs) {
        kept.add(out);
        ys.push(out);
        next++;
      }
      const [previous, previousK] = [y, k0];
      tc = accepted.t1;
      y = accepted.y1;
      k0 = accepted.k1;
      free(previous, previousK);
    } else {
      stats.rejected += 1;
      if (Number.isNaN(ratio) && Math.abs(h * o.dfactor) < nonFiniteFloor) {
        throw new NumericalError(
          ErrorCodes.NUMERICAL_NON_FINITE,
          `the state became non-finite at t = ${tc} even with step ${Math.abs(h).toExponential(3)}: ` +
            'the vector field returns NaN or Inf there; check the model or the system',
          tc,
        );
      }
    }
    h = nextStepSize(h, ratio, q, o, afterReject);
    afterReject = !(ratio <= 1);
  }
  if (ops.release && !kept.has(k0)) ops.release(k0);
  if (ops.release && !kept.has(y) && y !== k0) ops.release(y);
  return { ys, stats };
}
