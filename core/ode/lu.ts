/**
 * Dense LU factorisation with partial pivoting, real and complex, for the
 * Newton iterations of the implicit methods (small systems: the state of one
 * ODE, n up to a few hundred). Matrices are row-major Float64Arrays of n².
 * core/ode's own copy: core/physics/linalg.ts sits above this layer.
 */
import { ErrorCodes, NumericalError } from '../errors.ts';

export interface RealLu {
  n: number;
  /** L (unit lower, below the diagonal) and U, in place. */
  lu: Float64Array;
  piv: Int32Array;
}

export interface ComplexLu {
  n: number;
  re: Float64Array;
  im: Float64Array;
  piv: Int32Array;
}

function singular(n: number): NumericalError {
  return new NumericalError(
    ErrorCodes.NUMERICAL_NON_FINITE,
    `singular or non-finite Newton matrix (n = ${n}) in an implicit method: the Jacobian is not finite or the step is degenerate`,
  );
}

/** Factor the n×n matrix `a` (consumed: overwritten by its factors). */
export function luFactor(a: Float64Array, n: number): RealLu {
  const piv = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) [best, p] = [v, i];
    }
    if (!(best > 0) || !Number.isFinite(best)) throw singular(n);
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const tmp = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = tmp;
      }
    }
    const d = a[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const l = a[i * n + k]! / d;
      a[i * n + k] = l;
      if (l !== 0) for (let j = k + 1; j < n; j++) a[i * n + j]! -= l * a[k * n + j]!;
    }
  }
  return { n, lu: a, piv };
}

/** Solve A x = b in place (b becomes x). */
export function luSolve({ n, lu, piv }: RealLu, b: Float64Array): Float64Array {
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) [b[k], b[p]] = [b[p]!, b[k]!];
  }
  for (let i = 1; i < n; i++) {
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= lu[i * n + j]! * b[j]!;
    b[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= lu[i * n + j]! * b[j]!;
    b[i] = s / lu[i * n + i]!;
  }
  return b;
}

/** Factor the complex matrix re + i·im (both consumed). */
export function luFactorComplex(re: Float64Array, im: Float64Array, n: number): ComplexLu {
  const piv = new Int32Array(n);
  const swap = (x: Float64Array, r1: number, r2: number) => {
    for (let j = 0; j < n; j++) {
      const tmp = x[r1 * n + j]!;
      x[r1 * n + j] = x[r2 * n + j]!;
      x[r2 * n + j] = tmp;
    }
  };
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.hypot(re[k * n + k]!, im[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.hypot(re[i * n + k]!, im[i * n + k]!);
      if (v > best) [best, p] = [v, i];
    }
    if (!(best > 0) || !Number.isFinite(best)) throw singular(n);
    piv[k] = p;
    if (p !== k) {
      swap(re, k, p);
      swap(im, k, p);
    }
    const dr = re[k * n + k]!;
    const di = im[k * n + k]!;
    const dd = dr * dr + di * di;
    for (let i = k + 1; i < n; i++) {
      const ar = re[i * n + k]!;
      const ai = im[i * n + k]!;
      // l = a / d
      const lr = (ar * dr + ai * di) / dd;
      const li = (ai * dr - ar * di) / dd;
      re[i * n + k] = lr;
      im[i * n + k] = li;
      if (lr === 0 && li === 0) continue;
      for (let j = k + 1; j < n; j++) {
        const ur = re[k * n + j]!;
        const ui = im[k * n + j]!;
        re[i * n + j]! -= lr * ur - li * ui;
        im[i * n + j]! -= lr * ui + li * ur;
      }
    }
  }
  return { n, re, im, piv };
}

/** Solve A x = b for complex b = br + i·bi, in place. */
export function luSolveComplex({ n, re, im, piv }: ComplexLu, br: Float64Array, bi: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) {
      [br[k], br[p]] = [br[p]!, br[k]!];
      [bi[k], bi[p]] = [bi[p]!, bi[k]!];
    }
  }
  for (let i = 1; i < n; i++) {
    let sr = br[i]!;
    let si = bi[i]!;
    for (let j = 0; j < i; j++) {
      const lr = re[i * n + j]!;
      const li = im[i * n + j]!;
      sr -= lr * br[j]! - li * bi[j]!;
      si -= lr * bi[j]! + li * br[j]!;
    }
    br[i] = sr;
    bi[i] = si;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sr = br[i]!;
    let si = bi[i]!;
    for (let j = i + 1; j < n; j++) {
      const ur = re[i * n + j]!;
      const ui = im[i * n + j]!;
      sr -= ur * br[j]! - ui * bi[j]!;
      si -= ur * bi[j]! + ui * br[j]!;
    }
    const dr = re[i * n + i]!;
    const di = im[i * n + i]!;
    const dd = dr * dr + di * di;
    br[i] = (sr * dr + si * di) / dd;
    bi[i] = (si * dr - sr * di) / dd;
  }
}
