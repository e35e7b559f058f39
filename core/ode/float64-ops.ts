/**
 * The float64 state algebra: plain `Float64Array`s, for ground-truth physics
 * (tfjs tensors are float32 only).
 */
import { lincombFlat, scaledSquaresFlat } from './scaled-norm.ts';
import type { StateOps } from './types.ts';

export const float64Ops: StateOps<Float64Array> = {
  precision: 'float64',
  combine(y, h, coeffs, ks) {
    const out = lincombFlat(h, coeffs, ks);
    for (let i = 0; i < out.length; i++) out[i]! += y[i]!;
    return out;
  },
  scaledSquares: scaledSquaresFlat,
  errorSquares: (h, weights, ks, refs, tol) => scaledSquaresFlat(weights.map((w) => lincombFlat(h, w, ks)), refs, tol),
  isFinite(y) {
    for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) return false;
    return true;
  },
};
