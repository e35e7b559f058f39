/**
 * The float64 reference trajectories in test/fixtures/reference (SciPy DOP853,
 * rtol = atol = 1e-13; how each was computed is in that folder's README).
 * Tests and the integrators benchmark both read them through this loader.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Reference {
  name: string;
  description: string;
  y0: number[];
  t: number[];
  y: number[][];
  energy?: number[];
}

export type ReferenceName = 'spiral' | 'double-pendulum-a' | 'double-pendulum-b' | 'kepler-ellipse';

const DIR = fileURLToPath(new URL('../fixtures/reference/', import.meta.url));

export function loadReference(name: ReferenceName): Reference {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as Reference;
}
