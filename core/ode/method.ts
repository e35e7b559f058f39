/**
 * Solvers as plain values (torchdiffeq's SOLVERS entries, diffrax's solver
 * instances): a Method is a name, its capabilities, the schema of its
 * options and how to configure an Integrator from them. Explicit
 * Runge-Kutta methods are made from a tableau by fixedStepMethod and
 * adaptiveMethod; the built-in ones are in methods/. Plugins wrap methods
 * for the registry (core/registry/plugin.ts integratorPlugin); this file
 * knows nothing of it.
 */
import { ConfigError } from '../errors.ts';
import { s, type Infer, type ObjectSchema, type Shape } from '../schema.ts';
import { solveAdaptive } from './adaptive.ts';
import { DEFAULT_CONTROLLER } from './controller.ts';
import { solveFixedGrid } from './fixed-grid.ts';
import type { ButcherTableau } from './tableau.ts';
import type { Integrator, StateOps, Tolerance } from './types.ts';

export interface Method<S extends Shape = Shape> {
  /** Lower-case, digits and dashes (`dopri5`). */
  name: string;
  /** One line (`odelab plugins` shows it). */
  description: string;
  /** Order of the method. */
  order: number;
  /** Whether it controls its step size by an error estimate (rtol, atol) rather than taking `step`. */
  adaptive: boolean;
  /** Whether the method is symplectic (preserves a Hamiltonian system's symplectic form: bounded energy error over long times). Unset: no. */
  symplectic?: boolean;
  /**
   * Whether the method only applies to separable mechanical states x = (q, q̇) whose acceleration depends on q alone
   * (the second half of f(t, x) is a function of the first half). Unset: no. The config checks the system numerically
   * (core/config/separable.ts); a bare vector field given to odeint/odeint64 cannot be checked.
   */
  requiresSeparable?: boolean;
  /** Whether it runs on float64 states only (odeint64, ground truth), not on the tensors training integrates. Unset: no. */
  float64Only?: boolean;
  /** Whether each step solves equations for its new state (Newton or fixed-point iterations): implicit-euler, trapezoid, radau5, implicit-midpoint. Unset: no. */
  implicit?: boolean;
  options: ObjectSchema<S>;
  create(options: Infer<ObjectSchema<S>>): Integrator;
}

/** Methods by name: a plain table (the built-ins) or the registry's integrator plugins. */
export interface Methods {
  /** The method called `name`; a ConfigError at `path` naming the known ones when there is none. */
  get(name: string, path: string): Method;
  list(): readonly Method[];
}

/** Methods from a list of values. */
export function methodTable(methods: readonly Method[]): Methods {
  const byName = new Map(methods.map((m) => [m.name, m]));
  return {
    get(name, path) {
      const m = byName.get(name);
      if (!m) throw new ConfigError(path, `${path}: unknown method '${name}'; known: ${[...byName.keys()].sort().join(', ')}`);
      return m;
    },
    list: () => methods,
  };
}

/**
 * Default tolerances per precision. float64 uses torchdiffeq's defaults
 * (rtol 1e-7, atol 1e-9). Tensors (float32) default to rtol 1e-5, atol 1e-6,
 * for speed: training needs no more. Tighter ones are met on float32 too (the
 * fused combination rounds once and carries each state's rounding error,
 * core/tensor/fused-combine.ts), down to the floor below.
 */
export const DEFAULT_TOLERANCES: Record<StateOps<unknown>['precision'], { rtol: number; atol: number }> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-7, atol: 1e-9 },
};

/**
 * The smallest rtol accepted per precision. float64: 10 machine epsilons
 * (SciPy clamps at 100). float32: 1e-8, low enough for torchdiffeq's own
 * defaults (its demo runs dopri5 at rtol 1e-7 on float32), which work because
 * the error estimate h Σ e_i k_i is formed from the stage derivatives rather
 * than as a difference of two nearly equal states; below about 1e-8 the
 * rounding of the float32 stage derivatives themselves dominates it.
 */
export const RTOL_FLOOR: Record<StateOps<unknown>['precision'], number> = {
  float32: 1e-8,
  float64: 10 * 2 ** -52,
};

const tolerance = (positive: boolean) =>
  s.union<number | number[]>(
    s.number(positive ? { gt: 0 } : { min: 0 }),
    s.array(s.number(positive ? { gt: 0 } : { min: 0 }), { minLength: 1 }),
  );

export const adaptiveOptionsShape = {
  rtol: tolerance(true).optional().describe('relative tolerance, or one per state component (default: 1e-5 on float32 tensors, 1e-7 in float64)'),
  atol: tolerance(false).optional().describe('absolute tolerance, or one per state component (default: 1e-6 on float32 tensors, 1e-9 in float64)'),
  firstStep: s.number({ gt: 0 }).optional().describe("initial step size (default: Hairer's heuristic)"),
  minStep: s.number({ min: 0 }).default(0).describe('fail when the step size falls below this'),
  maxSteps: s.integer({ min: 1 }).default(100000).describe('fail after this many step attempts'),
  safety: s.number({ gt: 0, lt: 1 }).default(DEFAULT_CONTROLLER.safety).describe('safety factor of the step-size controller'),
  ifactor: s.number({ gt: 1 }).default(DEFAULT_CONTROLLER.ifactor).describe('largest step growth per step'),
  dfactor: s.number({ gt: 0, lt: 1 }).default(DEFAULT_CONTROLLER.dfactor).describe('smallest step shrink per rejection'),
};

/**
 * The tolerances to use on a state type of `precision`; a ConfigError (path
 * `${path}.rtol`) when rtol is finer than that precision can resolve.
 */
export function resolveTolerance(
  o: { rtol?: number | readonly number[]; atol?: number | readonly number[] },
  precision: StateOps<unknown>['precision'],
  path = 'integrator',
): Tolerance {
  const d = DEFAULT_TOLERANCES[precision];
  const tol = { rtol: o.rtol ?? d.rtol, atol: o.atol ?? d.atol };
  const smallest = typeof tol.rtol === 'number' ? tol.rtol : Math.min(...tol.rtol);
  if (smallest < RTOL_FLOOR[precision]) {
    throw new ConfigError(
      `${path}.rtol`,
      `${path}.rtol must be at least ${RTOL_FLOOR[precision].toExponential(2)} on ${precision} states ` +
        `(finer tolerances are below the rounding of the error estimate and only waste steps), got ${smallest}`,
    );
  }
  return tol;
}

export const fixedStepOptions = {
  step: s
    .number({ gt: 0 })
    .optional()
    .describe('largest step size; default: one step per output interval (torchdiffeq semantics)'),
};

/** A method that steps `tableau` on a fixed grid containing every output time. */
export function fixedStepMethod(tableau: ButcherTableau, description: string): Method<typeof fixedStepOptions> {
  return {
    name: tableau.name,
    description,
    order: tableau.order,
    adaptive: false,
    options: s.object(fixedStepOptions),
    create: (options) => ({
      name: tableau.name,
      order: tableau.order,
      adaptive: false,
      solve: (f, y0, t, ops, monitor) => solveFixedGrid(tableau, f, y0, t, ops, { step: options.step }, monitor),
    }),
  };
}

/** A method that steps `tableau` adaptively under error control. */
export function adaptiveMethod(tableau: ButcherTableau, description: string): Method<typeof adaptiveOptionsShape> {
  if (!tableau.adaptive) throw new Error(`tableau '${tableau.name}' has no error estimate`);
  return {
    name: tableau.name,
    description,
    order: tableau.order,
    adaptive: true,
    options: s.object(adaptiveOptionsShape),
    create: (o) => ({
      name: tableau.name,
      order: tableau.order,
      adaptive: true,
      solve: (f, y0, t, ops, monitor) => solveAdaptive(tableau, f, y0, t, ops, { ...o, tol: resolveTolerance(o, ops.precision) }, monitor),
    }),
  };
}
