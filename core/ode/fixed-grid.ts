/**
 * Fixed-step integration on a grid that contains every output time.
 *
 * Each output interval [t_i, t_{i+1}] is split into the fewest equal steps
 * no longer than `step` (one step per interval when `step` is not given,
 * as torchdiffeq does), so outputs are hit exactly, never interpolated.
 */
import { ErrorCodes, NumericalError } from '../errors.ts';
import { rkStep } from './explicit-rk.ts';
import type { ButcherTableau } from './tableau.ts';
import { emptyStats, type Solution, type StateOps, type StepMonitor, type VectorField } from './types.ts';

export interface FixedGridOptions {
  /** Largest step size; default: one step per output interval. */
  step?: number;
}

export function solveFixedGrid<S>(
  tab: ButcherTableau,
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  options: FixedGridOptions = {},
  monitor?: StepMonitor<S>,
): Solution<S> {
  const stats = emptyStats();
  const ys: S[] = [y0];
  let y = y0;
  // Free intermediate states and stages (never y0 or an output) when ops can release.
  const outputs = new Set<S>([y0]);
  const free = (x: S) => {
    if (ops.release && !outputs.has(x)) ops.release(x);
  };
  for (let i = 0; i + 1 < t.length; i++) {
    const t0 = t[i]!;
    const span = t[i + 1]! - t0;
    const n = options.step ? Math.max(1, Math.ceil(Math.abs(span) / options.step - 1e-9)) : 1;
    const h = span / n;
    for (let j = 0; j < n; j++) {
      const tj = t0 + j * h;
      const step = (): S[] => {
        const { y: next, ks } = rkStep(tab, f, ops, tj, y, h);
        stats.nfe += ks.length;
        for (const k of ks) if (k !== next && k !== y) free(k);
        return [next];
      };
      const [next] = ops.scope ? ops.scope(step) : step();
      stats.steps += 1;
      if (monitor) {
        const view = { t0: tj, y0: y, t1: j + 1 === n ? t[i + 1]! : tj + h, y1: next! };
        if (monitor(view)) return { ys, stats, stopped: view };
      }
      if (y !== next) free(y);
      y = next!;
    }
    if (ops.isFinite && !ops.isFinite(y)) {
      throw new NumericalError(
        ErrorCodes.NUMERICAL_NON_FINITE,
        `the state became non-finite by t = ${t[i + 1]}: try a smaller step or check the vector field`,
        t[i + 1],
      );
    }
    ys.push(y);
    outputs.add(y);
  }
  return { ys, stats };
}
