/**
 * The float64 state algebra: plain `Float64Array`s, for ground-truth physics
 * (tfjs tensors are float32 only).
 */
import { ConfigError } from '../errors.ts';
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
  splitHalves(y) {
    if (y.length % 2 !== 0) throw new ConfigError('y0', `the state must be (q, q̇) with an even number of components to be split into halves, got ${y.length}`);
    return [y.slice(0, y.length / 2), y.slice(y.length / 2)];
  },
  joinHalves(a, b) {
    const out = new Float64Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  },
};
