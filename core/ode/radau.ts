/**
 * Radau IIA of order 5 (three stages) with error control, after Hairer &
 * Wanner, Solving ODEs II, §IV.8, and their RADAU5 code (the same scheme as
 * SciPy's `Radau`):
 *
 * - the collocation system for Z = (Y_i − y₀) is transformed by T⁻¹A⁻¹T into
 *   one real and one complex-conjugate pair of decoupled n×n systems, solved
 *   by simplified Newton iterations with (γ/h · I − J) and ((α + iβ)/h · I − J),
 *   starting from the previous step's collocation polynomial extrapolated;
 *   Newton stops when ‖ΔW‖·ρ/(1 − ρ) < κ_tol = max(10 uround/rtol, min(0.03, rtol^½)),
 *   and fails (the step is halved) when ρ ≥ 1 or the predicted error after
 *   the remaining iterations is too large;
 * - the error estimate (IV.8.19) err = (γ/h · I − J)⁻¹ (f(t₀, y₀) + Σ eᵢ zᵢ / h),
 *   the γ₀ term included; after a rejection, if still > 1, the filtered
 *   estimate (IV.8.20) err = (γ/h · I − J)⁻¹ (f(t₀, y₀ + err) + Σ eᵢ zᵢ / h);
 *   scaled RMS norm with atol + rtol·max(|y₀|, |y₁|);
 * - Gustafsson's predictive step-size controller (IV.8.25):
 *   fac = min(1, h/h_old · (err_old/err)^¼) · err^−¼, times the safety
 *   0.9·(2·6 + 1)/(2·6 + newton iterations);
 * - J is recomputed only when Newton fails with an old J, or after an
 *   accepted step whose Newton needed more than two iterations at a rate
 *   above 10⁻³; the LU factors are kept when the step size would change by
 *   a factor in [1, 1.2) (the step size is then kept as it is);
 * - output times inside a step come from the collocation polynomial (order 3
 *   there), steps are only shortened to end at the final time.
 *
 * float64 states only (Jacobians and LU factorisations on the host).
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { initialStepSize } from './controller.ts';
import { luFactor, luFactorComplex, luSolve, luSolveComplex, type ComplexLu, type RealLu } from './lu.ts';
import { float64Ops } from './float64-ops.ts';
import { jacobianEvaluator, type JacobianFunction } from './jacobian.ts';
import type { Solution, SolveStats, StateOps, StepMonitor, Tolerance, VectorField } from './types.ts';

const S6 = Math.sqrt(6);
export const RADAU_C = [(4 - S6) / 10, (4 + S6) / 10, 1] as const;
const E = [(-13 - 7 * S6) / 3, (-13 + 7 * S6) / 3, -1 / 3] as const;
const MU_REAL = 3 + 3 ** (2 / 3) - 3 ** (1 / 3);
const MU_C_RE = 3 + 0.5 * (3 ** (1 / 3) - 3 ** (2 / 3));
const MU_C_IM = -0.5 * (3 ** (5 / 6) + 3 ** (7 / 6));
const T = [
  [0.09443876248897524, -0.14125529502095421, 0.03002919410514742],
  [0.25021312296533332, 0.20412935229379994, -0.38294211275726192],
  [1, 1, 0],
] as const;
const TI = [
  [4.17871859155190428, 0.32768282076106237, 0.52337644549944951],
  [-4.17871859155190428, -0.32768282076106237, 0.47662355450055044],
  [0.50287263494578682, -2.57192694985560522, 0.59603920482822492],
] as const;
// The collocation polynomial: y(t₀ + x h) = y₀ + Σ_k (Σ_i z_i P_ik) x^(k+1).
const P = [
  [13 / 3 + (7 * S6) / 3, -23 / 3 - (22 * S6) / 3, 10 / 3 + 5 * S6],
  [13 / 3 - (7 * S6) / 3, -23 / 3 + (22 * S6) / 3, 10 / 3 - 5 * S6],
  [1 / 3, -8 / 3, 10 / 3],
] as const;
const NEWTON_MAXITER = 6;
const UROUND = 2 ** -52;

export interface RadauOptions {
  tol: Tolerance;
  firstStep?: number;
  minStep: number;
  maxSteps: number;
  safety: number;
  ifactor: number;
  dfactor: number;
  jacobian?: JacobianFunction;
}

function perComponent(v: number | readonly number[], n: number, what: string): Float64Array {
  if (typeof v === 'number') return new Float64Array(n).fill(v);
  if (v.length !== n) throw new ConfigError(`integrator.${what}`, `integrator.${what} must have ${n} entries, got ${v.length}`);
  return Float64Array.from(v);
}

/** RMS of x / scale over several arrays. */
function rms(xs: readonly Float64Array[], scale: Float64Array): number {
  let s = 0;
  let count = 0;
  for (const x of xs) {
    for (let i = 0; i < x.length; i++) s += (x[i]! / scale[i]!) ** 2;
    count += x.length;
  }
  return Math.sqrt(s / Math.max(1, count));
}

function predictFactor(h: number, hOld: number | undefined, err: number, errOld: number | undefined): number {
  const multiplier = errOld === undefined || hOld === undefined || err === 0 ? 1 : (h / hOld) * (errOld / err) ** 0.25;
  return Math.min(1, multiplier) * err ** -0.25;
}

export function solveRadau<S>(f: VectorField<S>, y0: S, t: readonly number[], ops: StateOps<S>, o: RadauOptions, monitor?: StepMonitor<S>): Solution<S> {
  if (ops !== (float64Ops as unknown) || !(y0 instanceof Float64Array)) {
    throw new ConfigError(
      'integrator.method',
      "'radau5' runs on float64 states only (odeint64, or a system's ground truth); on tensors use implicit-euler or trapezoid",
    );
  }
  return radau64(f as unknown as VectorField<Float64Array>, y0, t, o, monitor as unknown as StepMonitor<Float64Array>) as unknown as Solution<S>;
}

function radau64(fun: VectorField<Float64Array>, y0: Float64Array, t: readonly number[], o: RadauOptions, monitor?: StepMonitor<Float64Array>): Solution<Float64Array> {
  const stats: SolveStats = { nfe: 0, steps: 0, rejected: 0, njev: 0, nlu: 0 };
  const ys: Float64Array[] = [y0];
  if (t.length < 2) return { ys, stats };
  const n = y0.length;
  const f = (tt: number, yy: Float64Array) => {
    stats.nfe += 1;
    return fun(tt, yy);
  };
  const rtol = perComponent(o.tol.rtol, n, 'rtol');
  const atol = perComponent(o.tol.atol, n, 'atol');
  // Differences with SciPy's increment sqrt(uround)·max(atol_j, |y_j|): Hairer's
  // sqrt(uround·max(1e-5, |y_j|)) swamps components far below 1e-5 (Robertson's y₂ ~ 1e-13).
  const jac = jacobianEvaluator(fun, o.jacobian, stats, atol); // counts its own f calls
  const minRtol = Math.min(...rtol);
  const newtonTol = Math.max((10 * UROUND) / minRtol, Math.min(0.03, Math.sqrt(minRtol)));
  const tEnd = t[t.length - 1]!;
  const dir = tEnd > t[0]! ? 1 : -1;

  let tc = t[0]!;
  let y = y0;
  let fy = f(tc, y);
  if (!float64Ops.isFinite!(fy) || !float64Ops.isFinite!(y)) {
    throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `non-finite state or derivative at t = ${tc}`, tc);
  }
  let hAbs = o.firstStep ?? initialStepSize(f, float64Ops, tc, y, fy, dir as 1 | -1, 3, o.tol);
  let hAbsOld: number | undefined;
  let errOld: number | undefined;
  let J = jac(tc, y, fy);
  let currentJac = true;
  let luR: RealLu | undefined;
  let luC: ComplexLu | undefined;
  // The previous accepted step's collocation polynomial (for the Newton predictor and outputs).
  let dense: { t0: number; h: number; y0: Float64Array; Q: Float64Array[] } | undefined;
  let next = 1;

  const denseAt = (d: NonNullable<typeof dense>, tt: number): Float64Array => {
    const x = (tt - d.t0) / d.h;
    const out = Float64Array.from(d.y0);
    const p = [x, x * x, x * x * x];
    for (let k = 0; k < 3; k++) {
      const q = d.Q[k]!;
      for (let i = 0; i < n; i++) out[i]! += q[i]! * p[k]!;
    }
    return out;
  };

  const factor = (h: number) => {
    const a = new Float64Array(n * n);
    const re = new Float64Array(n * n);
    const im = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      a[i] = -J[i]!;
      re[i] = -J[i]!;
    }
    for (let i = 0; i < n; i++) {
      a[i * n + i]! += MU_REAL / h;
      re[i * n + i]! += MU_C_RE / h;
      im[i * n + i] = MU_C_IM / h;
    }
    luR = luFactor(a, n);
    luC = luFactorComplex(re, im, n);
    stats.nlu! += 2; // SciPy counts the real and the complex factorisation separately
  };

  const collocation = (h: number, Z0: Float64Array[], scale: Float64Array) => {
    const W = [0, 1, 2].map((i) => {
      const w = new Float64Array(n);
      for (let j = 0; j < 3; j++) for (let l = 0; l < n; l++) w[l]! += TI[i]![j]! * Z0[j]![l]!;
      return w;
    });
    let Z = Z0;
    const mR = MU_REAL / h;
    const mCr = MU_C_RE / h;
    const mCi = MU_C_IM / h;
    let dwNormOld: number | undefined;
    let rate: number | undefined;
    let converged = false;
    let k = 0;
    for (; k < NEWTON_MAXITER; k++) {
      const F = [0, 1, 2].map((i) => {
        const yi = new Float64Array(n);
        for (let l = 0; l < n; l++) yi[l] = y[l]! + Z[i]![l]!;
        return f(tc + h * RADAU_C[i]!, yi);
      });
      if (!F.every((v) => float64Ops.isFinite!(v))) break;
      const dR = new Float64Array(n);
      const dCr = new Float64Array(n);
      const dCi = new Float64Array(n);
      for (let l = 0; l < n; l++) {
        const f0 = F[0]![l]!;
        const f1 = F[1]![l]!;
        const f2 = F[2]![l]!;
        dR[l] = TI[0][0] * f0 + TI[0][1] * f1 + TI[0][2] * f2 - mR * W[0]![l]!;
        const w1 = W[1]![l]!;
        const w2 = W[2]![l]!;
        dCr[l] = TI[1][0] * f0 + TI[1][1] * f1 + TI[1][2] * f2 - (mCr * w1 - mCi * w2);
        dCi[l] = TI[2][0] * f0 + TI[2][1] * f1 + TI[2][2] * f2 - (mCr * w2 + mCi * w1);
      }
      luSolve(luR!, dR);
      luSolveComplex(luC!, dCr, dCi);
      const dwNorm = rms([dR, dCr, dCi], scale);
      if (dwNormOld !== undefined) rate = dwNorm / dwNormOld;
      if (!Number.isFinite(dwNorm)) break;
      if (rate !== undefined && (rate >= 1 || (rate ** (NEWTON_MAXITER - k) / (1 - rate)) * dwNorm > newtonTol)) break;
      for (let l = 0; l < n; l++) {
        W[0]![l]! += dR[l]!;
        W[1]![l]! += dCr[l]!;
        W[2]![l]! += dCi[l]!;
      }
      Z = [0, 1, 2].map((i) => {
        const z = new Float64Array(n);
        for (let l = 0; l < n; l++) z[l] = T[i]![0]! * W[0]![l]! + T[i]![1]! * W[1]![l]! + T[i]![2]! * W[2]![l]!;
        return z;
      });
      if (dwNorm === 0 || (rate !== undefined && (rate / (1 - rate)) * dwNorm < newtonTol)) {
        converged = true;
        break;
      }
      dwNormOld = dwNorm;
    }
    return { converged, iterations: k + 1, Z, rate };
  };

  while (next < t.length) {
    const hStart = hAbs; // SciPy's h_abs_old is the step size proposed at the start of a step
    const minStep = Math.max(o.minStep, 10 * Math.max(Number.MIN_VALUE, Math.abs(tc) * UROUND));
    if (hAbs < minStep) {
      hAbs = minStep;
      hAbsOld = undefined;
      errOld = undefined;
    }
    let rejected = false;
    let accepted: { tNew: number; yNew: Float64Array; Z: Float64Array[]; err: number; iterations: number; rate?: number; safety: number; h: number } | undefined;
    while (!accepted) {
      if (stats.steps + stats.rejected >= o.maxSteps) {
        throw new NumericalError(
          ErrorCodes.NUMERICAL_MAX_STEPS,
          `maximum number of steps (${o.maxSteps}) reached at t = ${tc} before t = ${t[next]}: raise maxSteps or loosen rtol/atol`,
          tc,
        );
      }
      if (hAbs < minStep || tc + dir * hAbs === tc) {
        throw new NumericalError(
          ErrorCodes.NUMERICAL_STEP_UNDERFLOW,
          `step size ${hAbs.toExponential(3)} at t = ${tc} is too small (radau5): Newton fails or the error cannot be met; check the vector field or loosen rtol/atol`,
          tc,
        );
      }
      let h = hAbs * dir;
      let tNew = tc + h;
      if (dir * (tNew - tEnd) > 0) tNew = tEnd;
      h = tNew - tc;
      hAbs = Math.abs(h);
      const Z0 = dense
        ? RADAU_C.map((ci) => {
            const z = denseAt(dense!, tc + h * ci);
            for (let l = 0; l < n; l++) z[l]! -= y[l]!;
            return z;
          })
        : [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      const scale = Float64Array.from(y, (v, i) => atol[i]! + Math.abs(v) * rtol[i]!);
      let res: ReturnType<typeof collocation>;
      for (;;) {
        if (!luR || !luC) factor(h);
        res = collocation(h, Z0, scale);
        if (res.converged || currentJac) break;
        J = jac(tc, y, fy);
        currentJac = true;
        luR = undefined;
        luC = undefined;
      }
      if (!res.converged) {
        hAbs *= 0.5;
        luR = undefined;
        luC = undefined;
        stats.rejected += 1;
        continue;
      }
      const { Z, iterations } = res;
      const yNew = Float64Array.from(y, (v, l) => v + Z[2]![l]!);
      const ZE = new Float64Array(n);
      for (let l = 0; l < n; l++) ZE[l] = (Z[0]![l]! * E[0] + Z[1]![l]! * E[1] + Z[2]![l]! * E[2]) / h;
      let error = luSolve(luR!, Float64Array.from(fy, (v, l) => v + ZE[l]!));
      const errScale = Float64Array.from(y, (v, i) => atol[i]! + Math.max(Math.abs(v), Math.abs(yNew[i]!)) * rtol[i]!);
      let err = rms([error], errScale);
      const safety = (o.safety * (2 * NEWTON_MAXITER + 1)) / (2 * NEWTON_MAXITER + iterations);
      if (rejected && err > 1) {
        const fe = f(tc, Float64Array.from(y, (v, l) => v + error[l]!));
        error = luSolve(luR!, Float64Array.from(fe, (v, l) => v + ZE[l]!));
        err = rms([error], errScale);
      }
      if (!(err <= 1)) {
        const fac = Number.isFinite(err) ? predictFactor(hAbs, hAbsOld, err, errOld) : 0;
        hAbs *= Math.max(o.dfactor, safety * fac);
        luR = undefined;
        luC = undefined;
        rejected = true;
        stats.rejected += 1;
        continue;
      }
      accepted = { tNew, yNew, Z, err, iterations, rate: res.rate, safety, h };
    }
    const { tNew, yNew, Z, err, iterations, rate, safety, h } = accepted;
    stats.steps += 1;
    const recomputeJac = iterations > 2 && rate !== undefined && rate > 1e-3;
    let fac = Math.min(o.ifactor, safety * predictFactor(hAbs, hAbsOld, err, errOld));
    if (!recomputeJac && fac < 1.2) fac = 1;
    else {
      luR = undefined;
      luC = undefined;
    }
    const fNew = f(tNew, yNew);
    if (recomputeJac) {
      J = jac(tNew, yNew, fNew);
      currentJac = true;
    } else currentJac = false;
    hAbsOld = hStart;
    errOld = err;
    // The collocation polynomial of this step.
    const Q = [0, 1, 2].map((k) => {
      const q = new Float64Array(n);
      for (let i = 0; i < 3; i++) for (let l = 0; l < n; l++) q[l]! += Z[i]![l]! * P[i]![k]!;
      return q;
    });
    dense = { t0: tc, h, y0: y, Q };
    if (monitor) {
      const step = dense;
      const view = { t0: tc, y0: y, t1: tNew, y1: yNew, dense: (tt: number) => (tt === tNew ? yNew : denseAt(step, tt)) };
      if (monitor(view)) return { ys, stats, stopped: view };
    }
    for (; next < t.length && dir * (t[next]! - tNew) <= 0; next++) {
      ys.push(t[next] === tNew ? yNew : denseAt(dense, t[next]!));
    }
    hAbs *= fac;
    tc = tNew;
    y = yNew;
    fy = fNew;
    if (!float64Ops.isFinite!(y)) throw new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `the state became non-finite at t = ${tc}`, tc);
  }
  return { ys, stats };
}
