// Gaussian elimination with partial pivoting.
import test from 'ava';
import { NumericalError, Rng } from 'odelab';
import { solveInPlace, solveLinear } from 'odelab/plugin';

test('solves random well-conditioned systems to rounding', (t) => {
  const rng = new Rng(5);
  for (const n of [1, 2, 3, 5, 8]) {
    // Diagonally dominant, so well conditioned.
    const a = Float64Array.from({ length: n * n }, (_, i) => rng.range(-1, 1) + (i % (n + 1) === 0 ? n + 1 : 0));
    const x = Float64Array.from({ length: n }, () => rng.range(-5, 5));
    const b = Float64Array.from({ length: n }, (_, i) => a.subarray(i * n, i * n + n).reduce((s, v, j) => s + v * x[j]!, 0));
    const got = solveLinear(a, b);
    for (let i = 0; i < n; i++) t.true(Math.abs(got[i]! - x[i]!) < 1e-13 * 5, `n=${n}, x[${i}]`);
  }
});

test('pivots: a zero on the diagonal is not a singular matrix', (t) => {
  t.deepEqual(Array.from(solveLinear([0, 1, 1, 0], [2, 3])), [3, 2]);
  // Partial pivoting keeps a tiny leading pivot from amplifying rounding.
  const got = solveLinear([1e-20, 1, 1, 1], [1, 2]);
  t.true(Math.abs(got[0]! - 1) < 1e-15 && Math.abs(got[1]! - 1) < 1e-15);
});

test('leaves its inputs alone; solveInPlace overwrites the right-hand side with the solution', (t) => {
  const a = [4, 1, 2, 3];
  const b = [1, 2];
  solveLinear(a, b);
  t.deepEqual(a, [4, 1, 2, 3]);
  t.deepEqual(b, [1, 2]);
  const x = solveInPlace(a, b);
  t.is(x, b);
  t.true(Math.abs(4 * x[0]! + x[1]! - 1) < 1e-15 && Math.abs(2 * x[0]! + 3 * x[1]! - 2) < 1e-15);
});

test('a singular matrix is a NumericalError naming what it is', (t) => {
  const e = t.throws(() => solveLinear([1, 2, 2, 4], [1, 1], () => 'the mass matrix at x = [1, 2]'), { instanceOf: NumericalError });
  t.regex(e!.message, /the mass matrix at x = \[1, 2\] \(2×2\) is singular to working precision: pivot .* in column 1/);
  // Singular up to rounding (rank 2 in exact arithmetic, 3×3).
  t.throws(() => solveLinear([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3]), { instanceOf: NumericalError, message: /singular/ });
  t.throws(() => solveLinear([1, NaN, 0, 1], [1, 1]), { instanceOf: NumericalError, message: /non-finite entries/ });
  t.throws(() => solveLinear([1, 2, 3], [1, 1]), { instanceOf: RangeError, message: /expected 2×2 = 4/ });
});
