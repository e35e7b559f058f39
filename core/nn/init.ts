/**
 * Weight initialisation from odelab's own seeded generator, so the same seed
 * gives the same weights on every backend.
 */
import type { Rng } from '../random.ts';
import { s } from '../schema.ts';

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

/**
 * Cranmer et al. 2020's initialisation of a Lagrangian network (their
 * `custom_init`, found by a search over initialisations for the LNN): weights
 * N(0, σ²) with σ = (1/√n)·{2.2 for the first layer; 0.58·i for hidden layer
 * i (0-based dense-layer index); n for the last layer}, n = max(fanIn, fanOut).
 * Biases start at 0.
 */
export function cranmerInit(rng: Rng, layer: number, layers: number, fanIn: number, fanOut: number): Float32Array {
  const n = Math.max(fanIn, fanOut);
  const gain = layer === 0 ? 2.2 : layer === layers - 1 ? n : 0.58 * layer;
  const std = gain / Math.sqrt(n);
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
  return out;
}
