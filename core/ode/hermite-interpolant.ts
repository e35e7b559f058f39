/**
 * Generic interpolants inside a step (dense output), as weights over a step's stages.
 */
import type { InterpolantSpec } from './tableau.ts';

/**
 * Cubic Hermite interpolation through (y0, f0) and (y1, f1) for an FSAL
 * method (f1 is the last stage): third order, enough for a 3(2) pair.
 * y(θ) = y0 + h [ (3θ² - 2θ³) Σ b_i k_i + (θ - 2θ² + θ³) k_1 + (θ³ - θ²) k_s ].
 */
export function hermiteInterpolant(b: readonly number[]): InterpolantSpec {
  const s = b.length;
  return {
    order: 3,
    weights(theta) {
      const t2 = theta * theta;
      const t3 = t2 * theta;
      const w = b.map((bi) => (3 * t2 - 2 * t3) * bi);
      w[0]! += theta - 2 * t2 + t3;
      w[s - 1]! += t3 - t2;
      return w;
    },
  };
}
