/**
 * Small dense linear systems in float64: Gaussian elimination with partial
 * pivoting (Golub & Van Loan, Matrix Computations, 4th ed., Alg. 3.4.1), for
 * the n×n mass matrices of mechanical systems (n of a few to a few dozen).
 */
import { ErrorCodes, NumericalError } from '../errors.ts';

/**
 * Solve A x = b.
 *
 * A pivot of magnitude at most n·ε·max|A_ij| (ε the float64 machine epsilon)
 * counts as zero: the matrix is singular to working precision and the
 * solution would be rounding noise, so a NumericalError is thrown instead.
 *
 * @param a the n×n matrix, row-major (not modified).
 * @param b the right-hand side, length n (not modified).
 * @param context what the matrix is, for the error message (the state it was
 *   built at); a function is only called when the error is raised.
 * @returns x, a fresh array of length n.
 */
export function solveLinear(a: ArrayLike<number>, b: ArrayLike<number>, context?: string | (() => string)): Float64Array {
  const n = b.length;
  if (a.length !== n * n) {
    throw new RangeError(`solveLinear: the matrix has ${a.length} entries, expected ${n}×${n} = ${n * n} for a right-hand side of length ${n}`);
  }
  return Float64Array.from(solveInPlace(Array.from(a), Array.from(b), context));
}

/**
 * `solveLinear` on plain arrays, overwriting them: `m` (n×n, row-major) is
 * reduced to its triangular factor and `x` (the right-hand side on entry)
 * holds the solution on return. For hot loops: V8 allocates plain arrays far
 * faster than Float64Arrays of more than 8 elements.
 * @returns x.
 */
export function solveInPlace(m: number[], x: number[], context?: string | (() => string)): number[] {
  const n = x.length;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(m[i]!));
  const tiny = n * Number.EPSILON * scale;
  for (let c = 0; c < n; c++) {
    const p = pivotRow(m, n, c);
    const pivot = m[p * n + c]!;
    if (!(Math.abs(pivot) > tiny)) throw singular(m, n, c, pivot, tiny, context);
    if (p !== c) swapRows(m, x, n, p, c);
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / pivot;
      if (f === 0) continue;
      for (let j = c + 1; j < n; j++) m[r * n + j]! -= f * m[c * n + j]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let j = r + 1; j < n; j++) s -= m[r * n + j]! * x[j]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

/** The row at or below c with the largest |m[r][c]|. */
function pivotRow(m: number[], n: number, c: number): number {
  let best = c;
  for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[best * n + c]!)) best = r;
  return best;
}

function swapRows(m: number[], x: number[], n: number, p: number, c: number): void {
  for (let j = 0; j < n; j++) {
    const t = m[p * n + j]!;
    m[p * n + j] = m[c * n + j]!;
    m[c * n + j] = t;
  }
  const t = x[p]!;
  x[p] = x[c]!;
  x[c] = t;
}

function singular(
  m: number[],
  n: number,
  column: number,
  pivot: number,
  tiny: number,
  context: string | (() => string) | undefined,
): NumericalError {
  const what = typeof context === 'function' ? context() : (context ?? 'the matrix');
  const reason = Number.isFinite(pivot) && Number.isFinite(tiny)
    ? `is singular to working precision: pivot ${pivot.toExponential(2)} in column ${column} is below ${tiny.toExponential(2)}`
    : 'has non-finite entries';
  return new NumericalError(ErrorCodes.NUMERICAL_NON_FINITE, `cannot solve a linear system: ${what} (${n}×${n}) ${reason}`);
}
