/**
 * New physics from a Lagrangian alone: a System whose equations of motion,
 * energy and potential are all derived from a scalar L(q, q̇) written with
 * `Dual` arithmetic.
 *
 * The Euler–Lagrange equations d/dt ∂L/∂q̇ = ∂L/∂q, expanded by the chain
 * rule, are linear in q̈ (Cranmer et al. 2020, "Lagrangian Neural Networks",
 * eq. 8):
 *   q̈ = (∇q̇∇q̇ᵀ L)⁻¹ [∇q L − (∇q∇q̇ᵀ L) q̇],
 * with (∇q̇∇q̇ᵀ L)_ij = ∂²L/∂q̇_i∂q̇_j and (∇q∇q̇ᵀ L)_ij = ∂²L/∂q̇_i∂q_j (row i is
 * the equation of coordinate i). One second-order jet of L over the 2n
 * variables (q, q̇) gives every term; the n×n solve is Gaussian elimination.
 * Everything is float64. L must not depend on t explicitly.
 */
import { ConfigError, NumericalError } from '../errors.ts';
import type { JumpEvent } from '../ode/event-chain.ts';
import type { Rng } from '../random.ts';
import type { EnergyScale, MechanicalStructure, System, SystemLabels } from '../system.ts';
import { Dual } from './dual.ts';
import { solveInPlace } from './linalg.ts';

/** A Lagrangian L(q, q̇), built with Dual arithmetic from its arguments. */
export type Lagrangian = (q: readonly Dual[], qd: readonly Dual[]) => Dual;

/** A mechanical system given by its Lagrangian; `lagrangianSystem` makes it a System. */
export interface LagrangianSpec {
  /** Number of generalised coordinates n; the state is (q, q̇) of size 2n. */
  coordinates: number;
  /** Which coordinates are angles (default: none). */
  angles?: readonly boolean[];
  /** L(q, q̇) = T − V, with the kinetic energy T vanishing at q̇ = 0. */
  lagrangian: Lagrangian;
  /** Draw an initial state (q, q̇). */
  sampleInitialState(rng: Rng): Float64Array;
  /** Default length of a trajectory in time units. */
  timeSpan: number;
  /** Optional names and units for plots, as a System's (instantiateSystem passes them on). */
  labels?: SystemLabels;
  /** Optional energy scale of the energy metric (MechanicalStructure.energyScale). */
  energyScale?: EnergyScale;
  /** Optional event with a state jump (System.event): an impact, a switch. */
  event?: JumpEvent;
}

/** True when `value` is a LagrangianSpec rather than a System (it has a `lagrangian` function). */
export function isLagrangianSpec(value: unknown): value is LagrangianSpec {
  return typeof value === 'object' && value !== null && typeof (value as { lagrangian?: unknown }).lagrangian === 'function';
}

/** L at the state x = (q, q̇) as a jet over the 2n variables (q_0..q_{n-1}, q̇_0..q̇_{n-1}). */
export function lagrangianJet(lagrangian: Lagrangian, n: number, x: Float64Array): Dual {
  const vars = Dual.variables(x.subarray(0, 2 * n));
  return evaluate(lagrangian, vars.slice(0, n), vars.slice(n), 2 * n);
}

/**
 * q̈ at the state x = (q, q̇) from eq. 8 (see the file's doc).
 * @throws NumericalError when ∂²L/∂q̇∂q̇ is singular at x (a degenerate Lagrangian).
 * @returns q̈, length n.
 */
export function accelerationFromLagrangian(lagrangian: Lagrangian, n: number, x: Float64Array, t?: number): Float64Array {
  return Float64Array.from(acceleration(lagrangian, n, x, t));
}

/** q̈ as a plain array (the hot path of `derivative`). */
function acceleration(lagrangian: Lagrangian, n: number, x: Float64Array, t: number | undefined): number[] {
  const jet = lagrangianJet(lagrangian, n, x);
  const hessian: number[] = [];
  const rhs: number[] = [];
  for (let i = 0; i < n; i++) {
    let mixed = 0;
    for (let j = 0; j < n; j++) {
      hessian.push(jet.hess(n + i, n + j));
      mixed += jet.hess(n + i, j) * x[n + j]!;
    }
    rhs.push(jet.grad(i) - mixed);
  }
  try {
    return solveInPlace(hessian, rhs, () => describeState(x, n, t));
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
    throw new NumericalError(
      e.code,
      `${e.message}: the Lagrangian is degenerate there (every velocity must enter L, e.g. through a positive-definite kinetic energy ½q̇ᵀM(q)q̇)`,
      t,
    );
  }
}

function describeState(x: Float64Array, n: number, t: number | undefined): string {
  const at = t === undefined ? '' : ` (t = ${t})`;
  return `the velocity Hessian ∂²L/∂q̇∂q̇ at x = [${Array.from(x.subarray(0, 2 * n), (v) => v.toPrecision(6)).join(', ')}]${at}`;
}

/** The energy E = q̇·∂L/∂q̇ − L at x = (q, q̇) (the Jacobi integral, conserved when L does not depend on t). */
export function lagrangianEnergy(lagrangian: Lagrangian, n: number, x: Float64Array): number {
  const q = Array.from(x.subarray(0, n), (v) => Dual.constant(v));
  const qd = Array.from(x.subarray(n, 2 * n), (v, i) => Dual.variable(v, i, n));
  const jet = evaluate(lagrangian, q, qd, n);
  let e = -jet.value;
  for (let i = 0; i < n; i++) e += x[n + i]! * jet.grad(i);
  return e;
}

/** The potential V(q) = −L(q, 0). */
export function lagrangianPotential(lagrangian: Lagrangian, n: number, x: Float64Array): number {
  const q = Array.from(x.subarray(0, n), (v) => Dual.constant(v));
  const zero = Array.from({ length: n }, () => Dual.constant(0));
  return -evaluate(lagrangian, q, zero, 0).value;
}

/**
 * The System of a Lagrangian: derivative (q̇, q̈) from eq. 8, and the
 * mechanical structure derived from L alone.
 *
 * Energies assume L = T − V with T(q, 0) = 0, so that V(q) = −L(q, 0), and
 * report T = E − V with E = q̇·∂L/∂q̇ − L. When T is quadratic in q̇ (every
 * natural system: T = ½ q̇ᵀM(q)q̇) this T is the kinetic energy and T + V = E
 * is conserved. With terms linear in q̇ (magnetic or rotating-frame forces)
 * T + V is still the conserved E, but T is then E − V rather than the
 * kinetic energy.
 */
export function lagrangianSystem(spec: LagrangianSpec): System {
  checkSpec(spec);
  const n = spec.coordinates;
  const L = spec.lagrangian;
  const mechanical: MechanicalStructure = {
    coordinates: n,
    angles: spec.angles ? [...spec.angles] : Array.from({ length: n }, () => false),
    kinetic: (x) => lagrangianEnergy(L, n, x) - lagrangianPotential(L, n, x),
    potential: (x) => lagrangianPotential(L, n, x),
    ...(spec.energyScale ? { energyScale: spec.energyScale } : {}),
  };
  return {
    stateDim: 2 * n,
    timeSpan: spec.timeSpan,
    derivative(t, x) {
      const a = acceleration(L, n, x, t);
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        out[i] = x[n + i]!;
        out[n + i] = a[i]!;
      }
      return out;
    },
    sampleInitialState: (rng) => spec.sampleInitialState(rng),
    mechanical,
    ...(spec.event ? { event: spec.event } : {}),
  };
}

function evaluate(lagrangian: Lagrangian, q: readonly Dual[], qd: readonly Dual[], k: number): Dual {
  const out: unknown = lagrangian(q, qd);
  if (!(out instanceof Dual)) {
    throw new TypeError(
      `the Lagrangian returned ${typeof out}, expected a Dual computed from its arguments q and qd (use Dual.constant(c) for a constant)`,
    );
  }
  if (out.k !== k && out.k !== 0) {
    throw new RangeError(`the Lagrangian returned a jet over ${out.k} variables, expected ${k}: build it from q and qd only`);
  }
  return out;
}

function checkSpec(spec: LagrangianSpec): void {
  const { coordinates: n, angles, timeSpan } = spec;
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError('system', `system: a LagrangianSpec's coordinates must be a positive integer, got ${n}`);
  }
  if (angles !== undefined && angles.length !== n) {
    throw new ConfigError('system', `system: a LagrangianSpec's angles must have one flag per coordinate (${n}), got ${angles.length}`);
  }
  if (!(typeof timeSpan === 'number' && timeSpan > 0 && Number.isFinite(timeSpan))) {
    throw new ConfigError('system', `system: a LagrangianSpec's timeSpan must be a positive number, got ${timeSpan}`);
  }
  if (typeof spec.sampleInitialState !== 'function') {
    throw new ConfigError('system', "system: a LagrangianSpec needs a sampleInitialState(rng) function");
  }
}
