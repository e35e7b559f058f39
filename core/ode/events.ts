/**
 * Terminal events: integrate until g(t, y) = 0 (SciPy's `events`, torchdiffeq's
 * `odeint_event`, diffrax's `Event`).
 *
 * Detection watches the sign of g at the end of every accepted step (a
 * StepMonitor, so each method takes exactly the steps it would take without
 * the event); a crossing in the wanted direction stops the solve inside that
 * step. The time is then located by Brent's method on the step's continuous
 * extension: the method's dense output where it has one (the adaptive
 * Runge-Kutta pairs, radau5), otherwise a re-integration from the step's
 * start with the same method, which is as accurate as the step itself.
 * Brent stops at floating-point resolution in t, so the located time is
 * the root of g along the numerical solution to rounding; its distance to
 * the exact event time is the solution's own error there.
 *
 * As in SciPy, an event is a sign change between step ends: g = 0 at the
 * start of a solve is not an event (a bounce restarts on the floor), and
 * two crossings inside one step cancel. Keep steps below the time between
 * crossings (a smaller step or tighter tolerances) when that matters.
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { show } from '../schema.ts';
import type { Integrator, SolveStats, StateOps, StepView, VectorField } from './types.ts';

/** Which sign changes of g count: − to + ('rising'), + to − ('falling'), or both ('either'). */
export type EventDirection = 'rising' | 'falling' | 'either';
export const EVENT_DIRECTIONS: readonly EventDirection[] = ['rising', 'falling', 'either'];

export function checkDirection(v: unknown, path: string): EventDirection {
  if (v === undefined) return 'either';
  if (!EVENT_DIRECTIONS.includes(v as EventDirection)) {
    throw new ConfigError(path, `${path} must be one of ${EVENT_DIRECTIONS.map((d) => `'${d}'`).join(', ')}, got ${show(v)}`);
  }
  return v as EventDirection;
}

/** Whether g went from gl to gr across zero in `direction` (landing on 0 counts; leaving 0 does not). */
export function crossed(gl: number, gr: number, direction: EventDirection): boolean {
  const rising = gl < 0 && gr >= 0;
  const falling = gl > 0 && gr <= 0;
  return direction === 'rising' ? rising : direction === 'falling' ? falling : rising || falling;
}

/**
 * Brent's method (Brent 1973, ch. 4): a root of fn in the bracket [a, b]
 * (fa, fb of opposite signs or one of them 0), by inverse quadratic
 * interpolation, secant steps and bisection; converges to the floating-point
 * resolution of t. Works for a > b too.
 */
export function brentRoot(fn: (t: number) => number, a: number, b: number, fa: number, fb: number, maxIterations = 200): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) throw new Error(`brentRoot: [${a}, ${b}] does not bracket a root (f = ${fa}, ${fb})`);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < maxIterations; i++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      [a, b, c] = [b, c, b];
      [fa, fb, fc] = [fb, fc, fb];
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + Number.MIN_VALUE;
    const m = (c - b) / 2;
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      // Interpolate: secant when a = c, inverse quadratic otherwise.
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = fn(b);
  }
  return b;
}

export interface EventSolution<S> {
  /** The states at the output times before the event (all of them when there is none); ys[0] is y0. */
  ys: S[];
  /** Their times. */
  ts: number[];
  /** Where g crossed zero, when it did before the last output time. */
  event?: { t: number; y: S };
  stats: SolveStats;
}

/**
 * Integrate from t[0] through the output times t until g crosses zero in
 * `direction` (a terminal event). `g` reads a state as a number.
 */
export function solveUntilEvent<S>(
  integrator: Integrator,
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  g: (t: number, y: S) => number,
  direction: EventDirection,
): EventSolution<S> {
  let gPrev = g(t[0]!, y0);
  let bracket: { gl: number; gr: number } | undefined;
  let watched = false;
  const sol = integrator.solve(f, y0, t, ops, (step) => {
    watched = true;
    const gr = g(step.t1, step.y1);
    if (!Number.isFinite(gr)) {
      throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `the event function returned ${gr} at t = ${step.t1}`, step.t1);
    }
    if (crossed(gPrev, gr, direction)) {
      bracket = { gl: gPrev, gr };
      return true;
    }
    gPrev = gr;
    return false;
  });
  if (!watched && t.length > 1) {
    throw new ConfigError(
      'integrator',
      `integrator '${integrator.name}' does not show its steps to a StepMonitor (Integrator.solve's monitor argument), which events need`,
    );
  }
  // The solve's own counters: the dense output's extra stages are added to them as the root is located.
  const stats = sol.stats;
  if (!sol.stopped) return { ys: sol.ys, ts: t.slice(0, sol.ys.length), stats };
  const step = sol.stopped;
  const at = continuousExtension(integrator, f, ops, step, stats);
  const { gl, gr } = bracket!;
  const tEvent = brentRoot((tt) => g(tt, at(tt)), step.t0, step.t1, gl, gr);
  const dir = Math.sign(step.t1 - step.t0);
  const ys = sol.ys.slice();
  const ts = t.slice(0, ys.length);
  // Output times inside the event's step, before the event.
  for (let i = ys.length; i < t.length && dir * (t[i]! - tEvent) < 0; i++) {
    ys.push(at(t[i]!));
    ts.push(t[i]!);
  }
  return { ys, ts, event: { t: tEvent, y: at(tEvent) }, stats };
}

/** The solution inside a step: its dense output, or a re-integration from its start. */
function continuousExtension<S>(integrator: Integrator, f: VectorField<S>, ops: StateOps<S>, step: StepView<S>, stats: SolveStats): (t: number) => S {
  if (step.dense) return step.dense;
  return (tt) => {
    if (tt === step.t0) return step.y0;
    if (tt === step.t1) return step.y1;
    const sol = integrator.solve(f, step.y0, [step.t0, tt], ops);
    stats.nfe += sol.stats.nfe;
    return sol.ys[1]!;
  };
}
