/** The SciPy DOP853 reference trajectories in ../shared/reference (rtol = atol = 1e-13). */
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

const DIR = fileURLToPath(new URL('../../../shared/reference/', import.meta.url));

export function loadReference(name: 'spiral' | 'double-pendulum-a' | 'double-pendulum-b' | 'kepler-ellipse'): Reference {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as Reference;
}
