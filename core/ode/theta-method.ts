/**
 * Fixed-step θ-methods solved by Newton's method: implicit Euler (θ = 1,
 * order 1, L-stable) and the trapezoidal rule (θ = ½, order 2, A-stable):
 *
 *   y₁ = y₀ + h ((1 − θ) f(t₀, y₀) + θ f(t₁, y₁)).
 *
 * Each step solves G(y) = y − c − θh f(t₁, y) = 0, c = y₀ + (1 − θ) h f(t₀, y₀),
 * by Newton iterations with M = I − θh J, J = ∂f/∂y at (t₁, y₀) (once per
 * step; recomputed at the current iterate when Newton converges slowly),
 * stopping when the update's predicted remaining error
 * ‖Δ‖·ρ/(1 − ρ) falls below `newtonTol` (norm: RMS of Δ/(1 + |y|)).
 * The trapezoidal rule's f(t₁, y₁) for the next step is recovered as
 * (y₁ − c)/(θh), Hairer's way, which needs no extra evaluation.
 *
 * float64 states (float64Ops): J from the `jacobian` option or forward
 * differences (jacobian.ts); LU with partial pivoting (lu.ts).
 * tfjs tensors: the iterations are tfjs ops, so backprop differentiates
 * through them (discretise-then-optimise, with M held constant); J is formed
 * from vector-Jacobian products, one per state component, assuming each row
 * of a [batch, d] state evolves on its own (true for batches of
 * trajectories), and inverted per row on the host in float64.
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { tf } from '../tensor/tf.ts';
import { luFactor, luSolve } from './lu.ts';
import { float64Ops } from './float64-ops.ts';
import { implicitOptionsShape, jacobianEvaluator, jacobianOption, tensorJacobianBlocks, type JacobianFunction } from './jacobian.ts';
import { s } from '../schema.ts';
import { fixedStepOptions, type Method } from './method.ts';
import { emptyStats, type Solution, type SolveStats, type StateOps, type StepMonitor, type VectorField } from './types.ts';

export interface ThetaOptions {
  /** Largest step; default: one step per output interval. */
  step?: number;
  jacobian?: JacobianFunction;
  /** Newton's stopping tolerance (default 1e-10 in float64, 1e-5 on float32 tensors). */
  newtonTol?: number;
  /** Newton iterations per Jacobian (default 10). */
  maxNewtonIterations?: number;
}

/** The grid: each output interval split into the fewest equal steps no longer than `step`. */
function* grid(t: readonly number[], step: number | undefined): Generator<{ t0: number; h: number; last: boolean; out: number }> {
  for (let i = 0; i + 1 < t.length; i++) {
    const span = t[i + 1]! - t[i]!;
    const n = step ? Math.max(1, Math.ceil(Math.abs(span) / step - 1e-9)) : 1;
    for (let j = 0; j < n; j++) yield { t0: t[i]! + j * (span / n), h: span / n, last: j === n - 1, out: i + 1 };
  }
}

function notConverged(t: number, h: number): NumericalError {
  return new NumericalError(
    ErrorCodes.NUMERICAL_NO_CONVERGENCE,
    `Newton's method did not converge in the implicit step from t = ${t} with h = ${h}: take a smaller step ` +
      'or use the adaptive radau5',
    t,
  );
}

export function solveTheta<S>(
  theta: number,
  name: string,
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  o: ThetaOptions,
  monitor?: StepMonitor<S>,
): Solution<S> {
  if (y0 instanceof tf.Tensor) {
    return solveThetaTensor(theta, f as unknown as VectorField<tf.Tensor>, y0, t, ops as unknown as StateOps<tf.Tensor>, o, monitor as unknown as StepMonitor<tf.Tensor>) as unknown as Solution<S>;
  }
  if (ops !== (float64Ops as unknown) || !(y0 instanceof Float64Array)) {
    throw new ConfigError(
      'integrator.method',
      `'${name}' runs on float64 arrays (odeint64) and tfjs tensors only; this state algebra (e.g. the host-backprop tape) is not supported`,
    );
  }
  return solveThetaFloat64(theta, f as unknown as VectorField<Float64Array>, y0, t, o, monitor as unknown as StepMonitor<Float64Array>) as unknown as Solution<S>;
}

function rmsScaled(d: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += (d[i]! / (1 + Math.abs(y[i]!))) ** 2;
  return Math.sqrt(s / Math.max(1, d.length));
}

function solveThetaFloat64(
  theta: number,
  f: VectorField<Float64Array>,
  y0: Float64Array,
  t: readonly number[],
  o: ThetaOptions,
  monitor?: StepMonitor<Float64Array>,
): Solution<Float64Array> {
  const stats: SolveStats = { ...emptyStats(), njev: 0, nlu: 0 };
  const n = y0.length;
  const tol = o.newtonTol ?? 1e-10;
  const maxIter = o.maxNewtonIterations ?? 10;
  const jac = jacobianEvaluator(f, o.jacobian, stats);
  const ys: Float64Array[] = [y0];
  let y = y0;
  let fy: Float64Array | undefined;
  for (const { t0, h, last } of grid(t, o.step)) {
    const t1 = t0 + h;
    if (!fy && theta < 1) {
      fy = f(t0, y);
      stats.nfe += 1;
    }
    const c = theta === 1 ? y : Float64Array.from(y, (v, i) => v + (1 - theta) * h * fy![i]!);
    let x = Float64Array.from(y);
    let converged = false;
    for (let attempt = 0; attempt < 2 && !converged; attempt++) {
      // J at (t1, y0) for the first pass, at the current iterate for the second.
      const fx0 = f(t1, x);
      stats.nfe += 1;
      const J = jac(t1, x, fx0);
      const M = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) M[i] = -theta * h * J[i]!;
      for (let i = 0; i < n; i++) M[i * n + i]! += 1;
      const lu = luFactor(M, n);
      stats.nlu! += 1;
      let fx: Float64Array | undefined = fx0;
      let previous = Infinity;
      for (let k = 0; k < maxIter; k++) {
        if (!fx) {
          fx = f(t1, x);
          stats.nfe += 1;
        }
        const r = new Float64Array(n);
        for (let i = 0; i < n; i++) r[i] = x[i]! - c[i]! - theta * h * fx[i]!;
        luSolve(lu, r);
        for (let i = 0; i < n; i++) x[i]! -= r[i]!;
        fx = undefined;
        const norm = rmsScaled(r, x);
        if (!Number.isFinite(norm)) break;
        const rate = norm / previous;
        if (norm === 0 || norm < tol * 1e-3 || (k > 0 && rate < 1 && (rate / (1 - rate)) * norm < tol)) {
          converged = true;
          break;
        }
        if (k > 1 && rate >= 0.9) break;
        previous = norm;
      }
    }
    if (!converged) throw notConverged(t0, h);
    // f(t1, y1) from the converged equation (exact at convergence).
    const f1 = Float64Array.from(x, (v, i) => (v - c[i]!) / (theta * h));
    stats.steps += 1;
    const view = { t0, y0: y, t1, y1: x };
    if (monitor?.(view)) return { ys, stats, stopped: view };
    y = x;
    fy = theta === 1 ? undefined : f1;
    if (last) {
      if (!float64Ops.isFinite!(y)) throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `the state became non-finite by t = ${t1}`, t1);
      ys.push(y);
    }
  }
  return { ys, stats };
}

function solveThetaTensor(
  theta: number,
  f: VectorField<tf.Tensor>,
  y0: tf.Tensor,
  t: readonly number[],
  ops: StateOps<tf.Tensor>,
  o: ThetaOptions,
  monitor?: StepMonitor<tf.Tensor>,
): Solution<tf.Tensor> {
  if (o.jacobian) throw new ConfigError('integrator.jacobian', 'integrator.jacobian applies to float64 states; on tensors J comes from vector-Jacobian products');
  const stats: SolveStats = { ...emptyStats(), njev: 0, nlu: 0 };
  const shape = y0.shape;
  const d = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const B = y0.size / d;
  const tol = o.newtonTol ?? 1e-5;
  const maxIter = o.maxNewtonIterations ?? 10;
  const ys: tf.Tensor[] = [y0];
  let y = y0;
  let fy: tf.Tensor | undefined;
  for (const { t0, h, last } of grid(t, o.step)) {
    const t1 = t0 + h;
    if (!fy && theta < 1) {
      fy = f(t0, y);
      stats.nfe += 1;
    }
    const c = theta === 1 ? y : ops.combine(y, (1 - theta) * h, [1], [fy!]);
    // What this step creates; freed at its end when nothing records them (ops.release: untaped).
    const made: tf.Tensor[] = [];
    let x = y;
    let converged = false;
    for (let attempt = 0; attempt < 2 && !converged; attempt++) {
      // M⁻¹ per row, built on the host in float64: a constant for the tape.
      const Jb = tensorJacobianBlocks(f, t1, x, B, d);
      stats.njev! += 1;
      stats.nfe += d; // each vector-Jacobian product evaluates f once
      const inv = new Float64Array(B * d * d);
      for (let b = 0; b < B; b++) {
        const M = new Float64Array(d * d);
        for (let k = 0; k < d * d; k++) M[k] = -theta * h * Jb[b * d * d + k]!;
        for (let k = 0; k < d; k++) M[k * d + k]! += 1;
        const lu = luFactor(M, d);
        for (let j = 0; j < d; j++) {
          const e = new Float64Array(d);
          e[j] = 1;
          luSolve(lu, e);
          for (let i = 0; i < d; i++) inv[b * d * d + i * d + j] = e[i]!;
        }
      }
      stats.nlu! += 1;
      const Minv = tf.tensor3d(Float32Array.from(inv), [B, d, d]);
      made.push(Minv);
      let previous = Infinity;
      for (let k = 0; k < maxIter; k++) {
        const fx = f(t1, x);
        stats.nfe += 1;
        const dx = tf.tidy(() => {
          const r = tf.sub(tf.sub(x, c), tf.mul(fx, theta * h));
          return tf.reshape(tf.matMul(Minv, tf.reshape(r, [B, d, 1])), shape);
        });
        const next = tf.sub(x, dx);
        made.push(fx, dx, next);
        const norm = tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.div(dx, tf.add(tf.abs(next), 1)))).dataSync()[0]!));
        x = next;
        if (!Number.isFinite(norm)) break;
        const rate = norm / previous;
        if (norm === 0 || norm < tol * 1e-2 || (k > 0 && rate < 1 && (rate / (1 - rate)) * norm < tol)) {
          converged = true;
          break;
        }
        if (k > 1 && rate >= 0.9) break;
        previous = norm;
      }
    }
    if (!converged) throw notConverged(t0, h);
    stats.steps += 1;
    const view = { t0, y0: y, t1, y1: x };
    if (monitor?.(view)) return { ys, stats, stopped: view };
    const previousF = fy;
    fy = theta === 1 ? undefined : tf.tidy(() => tf.div(tf.sub(x, c), theta * h));
    if (ops.release) {
      for (const m of made) if (m !== x) ops.release(m);
      if (c !== y) ops.release(c);
      if (previousF) ops.release(previousF);
      if (!ys.includes(y)) ops.release(y);
    }
    y = x;
    if (last) ys.push(y);
  }
  return { ys, stats };
}

const thetaOptionsShape = { ...fixedStepOptions, ...implicitOptionsShape };

/** The θ-method y₁ = y₀ + h((1 − θ) f(t₀, y₀) + θ f(t₁, y₁)) as a fixed-step Method (implicit-euler: θ = 1, trapezoid: ½). */
export function thetaMethod(theta: number, name: string, order: number, description: string): Method<typeof thetaOptionsShape> {
  return {
    name,
    description,
    order,
    adaptive: false,
    implicit: true,
    options: s.object(thetaOptionsShape),
    create: (o) => {
      const jacobian = jacobianOption(o.jacobian);
      return { name, implicit: true, theta, order, adaptive: false, solve: (f, y0, t, ops, monitor) => solveTheta(theta, name, f, y0, t, ops, { step: o.step, jacobian }, monitor) };
    },
  };
}
