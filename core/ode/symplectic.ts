/**
 * Symplectic integrators (issue 21): compositions of velocity Verlet for
 * separable mechanical states, and the implicit midpoint rule for any
 * vector field.
 *
 * Separable methods (leapfrog, yoshida4) take a state x = (q, v) whose
 * derivative is f(t, x) = (v, a(q)): the second half of f depends on the
 * first half of x only (a mechanical system whose q̈ does not depend on q̇,
 * or (q, p) with unit mass). They split the state into its halves
 * (StateOps.splitHalves) and only use the second half of f: the drift is
 * q += h v with the state's own v. Whether f really has that structure is
 * not checked here (a bare vector field cannot be); the experiment config
 * checks the system numerically (core/config/separable.ts).
 *
 * Like the explicit fixed-step methods, each output interval is split into
 * the fewest equal steps no longer than `step` (one per interval without it).
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { s } from '../schema.ts';
import type { Method } from './method.ts';
import { emptyStats, type Solution, type SolveStats, type StateOps, type StepMonitor, type Tolerance, type VectorField } from './types.ts';

const stepOption = {
  step: s
    .number({ gt: 0 })
    .optional()
    .describe('largest step size; default: one step per output interval (torchdiffeq semantics)'),
};

/** The number of equal steps for an output interval of length `span`. */
function stepsFor(span: number, step: number | undefined): number {
  return step ? Math.max(1, Math.ceil(Math.abs(span) / step - 1e-9)) : 1;
}

function checkFinite<S>(ops: StateOps<S>, y: S, at: number): void {
  if (ops.isFinite && !ops.isFinite(y)) {
    throw new NumericalError(
      ErrorCodes.NUMERICAL_NON_FINITE,
      `the state became non-finite by t = ${at}: try a smaller step or check the vector field`,
      at,
    );
  }
}

/**
 * Integrate a separable system by a composition of velocity Verlet steps:
 * each step of size h is one Verlet substep of size w h per weight w
 * (leapfrog: [1]; Yoshida's fourth-order method: [w1, w0, w1]). A Verlet
 * substep is a half kick v += (τ/2) a(q), a drift q += τ v and a half kick
 * with a(q') = the second half of f(t + τ, (q', v)), which is kept for the
 * next substep's first kick (first same as last): one evaluation of f per
 * substep, plus one at the start of the solve.
 */
export function solveSeparable<S>(
  name: string,
  weights: readonly number[],
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  step: number | undefined,
  monitor?: StepMonitor<S>,
): Solution<S> {
  if (!ops.splitHalves || !ops.joinHalves) {
    throw new ConfigError('integrator.name', `'${name}' needs states that can be split into (q, q̇) halves; this state algebra cannot (use implicit-midpoint or an explicit method)`);
  }
  const split = ops.splitHalves.bind(ops);
  const join = ops.joinHalves.bind(ops);
  const stats: SolveStats = emptyStats();
  const ys: S[] = [y0];
  const free = (x: S) => ops.release?.(x);
  // The acceleration at the current q: the second half of f(t0, y0).
  let [q, v, a] = (ops.scope ?? ((fn: () => S[]) => fn()))(() => {
    const [q0, v0] = split(y0);
    const [, a0] = split(f(t[0]!, y0));
    return [q0!, v0!, a0!];
  }) as [S, S, S];
  stats.nfe += 1;
  for (let i = 0; i + 1 < t.length; i++) {
    const t0 = t[i]!;
    const span = t[i + 1]! - t0;
    const n = stepsFor(span, step);
    const h = span / n;
    for (let j = 0; j < n; j++) {
      let tj = t0 + j * h;
      const start = tj;
      const yStart = monitor ? join(q, v) : undefined;
      const advance = (): S[] => {
        let [qs, vs, as] = [q, v, a];
        for (const w of weights) {
          const tau = w * h;
          const vHalf = ops.combine(vs, tau / 2, [1], [as]);
          const qNext = ops.combine(qs, tau, [1], [vHalf]);
          tj += tau;
          const x = join(qNext, vHalf);
          const k = f(tj, x);
          const [kq, aNext] = split(k);
          const vNext = ops.combine(vHalf, tau / 2, [1], [aNext!]);
          for (const dead of [x, k, kq!, vHalf]) if (dead !== qNext && dead !== aNext && dead !== vNext) free(dead);
          if (qs !== q) free(qs);
          if (vs !== v) free(vs);
          if (as !== a) free(as);
          [qs, vs, as] = [qNext, vNext, aNext!];
        }
        return [qs, vs, as];
      };
      const [qn, vn, an] = (ops.scope ? ops.scope(advance) : advance()) as [S, S, S];
      stats.nfe += weights.length;
      stats.steps += 1;
      if (monitor) {
        const view = { t0: start, y0: yStart!, t1: j + 1 === n ? t[i + 1]! : start + h, y1: join(qn, vn) };
        if (monitor(view)) return { ys, stats, stopped: view };
        free(view.y0);
        free(view.y1);
      }
      free(q);
      free(v);
      free(a);
      [q, v, a] = [qn, vn, an];
    }
    const y = join(q, v);
    checkFinite(ops, y, t[i + 1]!);
    ys.push(y);
  }
  free(q);
  free(v);
  free(a);
  return { ys, stats };
}

/**
 * Tolerance of the implicit midpoint rule's fixed-point iteration, on the
 * change of the new state per iteration (RMS of the scaled change ≤ 1): a
 * few float64 epsilons, and near the float32 rounding of a state on tensors.
 */
export const IMPLICIT_TOLERANCE: Record<StateOps<unknown>['precision'], Tolerance> = {
  float64: { rtol: 1e-14, atol: 1e-14 },
  float32: { rtol: 1e-6, atol: 1e-6 },
};

/**
 * The implicit midpoint rule y' = y + h k, k = f(t + h/2, y + (h/2) k),
 * solved by fixed-point iteration on k (starting from the previous step's k;
 * f(t0, y0) on the first step) until the new state changes by less than
 * IMPLICIT_TOLERANCE. The iteration contracts when h·L/2 < 1 (L a Lipschitz
 * constant of f); beyond `maxIterations` it fails with NUMERICAL_NO_CONVERGENCE.
 * Only combine and errorSquares are used, so it runs on tensors (on the
 * tape: gradients flow through the iterations) as on float64 arrays.
 */
export function solveImplicitMidpoint<S>(
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  options: { step?: number; maxIterations: number },
  monitor?: StepMonitor<S>,
): Solution<S> {
  const tol = IMPLICIT_TOLERANCE[ops.precision];
  const stats = emptyStats();
  const ys: S[] = [y0];
  const outputs = new Set<S>([y0]);
  const free = (x: S) => {
    if (ops.release && !outputs.has(x)) ops.release(x);
  };
  let y = y0;
  let k: S = (ops.scope ? ops.scope(() => [f(t[0]!, y0)]) : [f(t[0]!, y0)])[0] as S;
  stats.nfe += 1;
  for (let i = 0; i + 1 < t.length; i++) {
    const t0 = t[i]!;
    const span = t[i + 1]! - t0;
    const n = stepsFor(span, options.step);
    const h = span / n;
    for (let j = 0; j < n; j++) {
      const tj = t0 + j * h;
      const advance = (): S[] => {
        let kc = k;
        for (let it = 1; ; it++) {
          const mid = ops.combine(y, h / 2, [1], [kc]);
          const kn = f(tj + h / 2, mid);
          stats.nfe += 1;
          // The change of y' = y + h k made by this iteration: h (kn − kc).
          const change = ops.errorSquares(h, [[1, -1]], [kn, kc], [y], tol);
          if (mid !== kn) free(mid);
          if (kc !== k) free(kc);
          kc = kn;
          if (!change.finite || !change.sums.every(Number.isFinite)) {
            throw new NumericalError(
              ErrorCodes.NUMERICAL_NON_FINITE,
              `implicit-midpoint: the state became non-finite at t = ${tj}: try a smaller step or check the vector field`,
              tj,
            );
          }
          if (Math.sqrt(change.sums[0]! / change.count) <= 1) break;
          if (it >= options.maxIterations) {
            throw new NumericalError(
              ErrorCodes.NUMERICAL_NO_CONVERGENCE,
              `implicit-midpoint: the fixed-point iteration did not converge in ${options.maxIterations} iterations ` +
                `at t = ${tj} (step ${h}): try a smaller step (it contracts when step · Lipschitz constant / 2 < 1) or raise maxIterations`,
              tj,
            );
          }
        }
        return [ops.combine(y, h, [1], [kc]), kc];
      };
      const [next, kn] = ops.scope ? ops.scope(advance) : advance();
      stats.steps += 1;
      if (monitor) {
        const view = { t0: tj, y0: y, t1: j + 1 === n ? t[i + 1]! : tj + h, y1: next! };
        if (monitor(view)) return { ys, stats, stopped: view };
      }
      free(y);
      free(k);
      y = next!;
      k = kn!;
    }
    checkFinite(ops, y, t[i + 1]!);
    ys.push(y);
    outputs.add(y);
  }
  free(k);
  return { ys, stats };
}

/** A separable composition method: one Verlet substep per weight. */
export function separableMethod(name: string, order: number, weights: readonly number[], description: string): Method<typeof stepOption> {
  return {
    name,
    description,
    order,
    adaptive: false,
    symplectic: true,
    requiresSeparable: true,
    options: s.object(stepOption),
    create: (o) => ({
      name,
      order,
      adaptive: false,
      requiresSeparable: true,
      solve: (f, y0, t, ops, monitor) => solveSeparable(name, weights, f, y0, t, ops, o.step, monitor),
    }),
  };
}

const implicitOptions = {
  ...stepOption,
  maxIterations: s.integer({ min: 1 }).default(100).describe('fixed-point iterations per step before failing (NUMERICAL_NO_CONVERGENCE)'),
};

/** The implicit midpoint rule as a method. */
export function implicitMidpointMethod(description: string): Method<typeof implicitOptions> {
  return {
    name: 'implicit-midpoint',
    description,
    order: 2,
    adaptive: false,
    symplectic: true,
    implicit: true,
    options: s.object(implicitOptions),
    create: (o) => ({
      name: 'implicit-midpoint',
      order: 2,
      adaptive: false,
      solve: (f, y0, t, ops, monitor) => solveImplicitMidpoint(f, y0, t, ops, o, monitor),
    }),
  };
}
