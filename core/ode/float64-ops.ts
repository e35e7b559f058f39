/**
 * The float64 state algebra: plain `Float64Array`s, for ground-truth physics
 * (tfjs tensors are float32 only).
 */
import type { StateOps, Tolerance } from './types.ts';

/** The tolerance of component i of a flat state whose last dimension is `dim`. */
export function tolAt(tol: number | readonly number[], i: number): number {
  return typeof tol === 'number' ? tol : tol[i % tol.length]!;
}

function scaled(xs: readonly Float64Array[], refs: readonly Float64Array[], tol: Tolerance) {
  const n = refs[0]!.length;
  const sums = xs.map(() => 0);
  let finite = true;
  for (let i = 0; i < n; i++) {
    let ref = 0;
    for (const r of refs) {
      const v = Math.abs(r[i]!);
      if (!Number.isFinite(v)) finite = false;
      if (v > ref) ref = v;
    }
    const scale = tolAt(tol.atol, i) + tolAt(tol.rtol, i) * ref;
    xs.forEach((x, k) => {
      const v = x[i]! / scale;
      if (!Number.isFinite(x[i]!)) finite = false;
      sums[k]! += v * v;
    });
  }
  return { sums, count: n, finite };
}

export const float64Ops: StateOps<Float64Array> = {
  precision: 'float64',
  combine(y, h, coeffs, ks) {
    const out = Float64Array.from(y);
    for (let j = 0; j < ks.length; j++) {
      const c = coeffs[j] ?? 0;
      if (c === 0) continue;
      const hc = h * c;
      const k = ks[j]!;
      for (let i = 0; i < out.length; i++) out[i]! += hc * k[i]!;
    }
    return out;
  },
  lincomb(h, coeffs, ks) {
    return float64Ops.combine(new Float64Array(ks[0]!.length), h, coeffs, ks);
  },
  scaledSquares: scaled,
  isFinite(y) {
    for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) return false;
    return true;
  },
};
