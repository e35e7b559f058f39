/**
 * Weight initialisation from odelab's own seeded generator, so the same seed
 * gives the same weights on every backend.
 */
import type { Rng } from '../random.ts';
import { s } from '../config/schema.ts';

export const INITS = ['glorot-uniform', 'glorot-normal', 'he-normal', 'lecun-normal', 'normal'] as const;
export type InitName = (typeof INITS)[number];

export const initSchema = s.enum(INITS).describe('weight initialisation (biases start at 0)');

/**
 * Draw a fanIn × fanOut weight matrix (row-major).
 * @param std only for 'normal': the standard deviation.
 */
export function initWeights(rng: Rng, init: InitName, fanIn: number, fanOut: number, std = 0.1): Float32Array {
  const out = new Float32Array(fanIn * fanOut);
  const normal = (sd: number) => out.forEach((_, i) => (out[i] = sd * rng.normal()));
  switch (init) {
    case 'glorot-uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      out.forEach((_, i) => (out[i] = rng.range(-limit, limit)));
      break;
    }
    case 'glorot-normal':
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case 'he-normal':
      normal(Math.sqrt(2 / fanIn));
      break;
    case 'lecun-normal':
      normal(Math.sqrt(1 / fanIn));
      break;
    case 'normal':
      normal(std);
      break;
  }
  return out;
}
