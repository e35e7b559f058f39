/**
 * The float64 state algebra: plain `Float64Array`s, for ground-truth physics
 * (tfjs tensors are float32 only).
 */
import type { StateOps } from './types.ts';

export const float64Ops: StateOps<Float64Array> = {
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
  isFinite(y) {
    for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) return false;
    return true;
  },
};
