/**
 * The scaled sums of squares behind the error norm, on flat host arrays
 * (float64 states, and float32 tensors whose data lives on the host).
 */
import type { ScaledSquares, Tolerance } from './types.ts';

type Flat = ArrayLike<number>;

/** The tolerance of flat component i: a number, or one per component of the last dimension. */
export function tolAt(tol: number | readonly number[], i: number): number {
  return typeof tol === 'number' ? tol : tol[i % tol.length]!;
}

/**
 * For each x in xs, Σ_i (x_i / (atol + rtol · max_r |refs_r,i|))², and whether
 * all of it is finite. Components whose atol is Infinity are left out (and
 * not counted): that is how a seminorm is expressed.
 */
export function scaledSquaresFlat(xs: readonly Flat[], refs: readonly Flat[], tol: Tolerance): ScaledSquares {
  const n = refs[0]!.length;
  const sums = xs.map(() => 0);
  let finite = true;
  let count = 0;
  for (let i = 0; i < n; i++) {
    // An infinite atol leaves the component out of the norm (the adjoint's seminorm).
    if (tolAt(tol.atol, i) === Infinity) continue;
    count++;
    let ref = 0;
    for (const r of refs) {
      const v = Math.abs(r[i]!);
      if (!Number.isFinite(v)) finite = false;
      if (v > ref) ref = v;
    }
    const scale = tolAt(tol.atol, i) + tolAt(tol.rtol, i) * ref;
    for (let k = 0; k < xs.length; k++) {
      const v = xs[k]![i]! / scale;
      sums[k]! += v * v;
    }
  }
  for (const s of sums) if (!Number.isFinite(s)) finite = false;
  return { sums, count: Math.max(count, 1), finite };
}

/** h Σ_j w_j ks_j on flat arrays, in float64. */
export function lincombFlat(h: number, w: readonly number[], ks: readonly Flat[]): Float64Array {
  return addLincombFlat(new Float64Array(ks[0]!.length), h, w, ks);
}

/** out += h Σ_j w_j ks_j, term by term (zero weights skipped); returns out. */
export function addLincombFlat(out: Float64Array, h: number, w: readonly number[], ks: readonly Flat[]): Float64Array {
  for (let j = 0; j < ks.length; j++) {
    const c = h * (w[j] ?? 0);
    if (c === 0) continue;
    const k = ks[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += c * k[i]!;
  }
  return out;
}
