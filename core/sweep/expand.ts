/**
 * Expanding a sweep section into trials, with Ray Tune's semantics
 * (`tune.grid_search` crossed with `num_samples`): the grid axes are crossed,
 * and the whole grid is repeated `trials` times with the random axes
 * (choice, uniform, loguniform, randint) drawn afresh for every trial. So a
 * sweep with grids of 2 and 3 values and `trials: 4` has 2·3·4 = 24 trials.
 *
 * Reproducible: the draws come from odelab's own generator seeded by the
 * sweep seed, in a fixed order (trial by trial, axes in declaration order),
 * so the same seed gives the same trials on every machine; a later axis never
 * changes the values drawn for an earlier trial.
 */
import { Rng } from '../random.ts';
import type { Space, SpaceValue } from '../config/space.ts';

export interface TrialSpec {
  /** 0-based position in the sweep; also the trial's identity across resumes. */
  index: number;
  /** Config path → value for this trial. */
  params: Record<string, SpaceValue>;
}

export interface SweepSpace {
  parameters: Record<string, Space>;
  trials: number;
}

/** The grid points: every combination of the grid axes, the last axis varying fastest. */
function gridPoints(parameters: Record<string, Space>): Record<string, SpaceValue>[] {
  let points: Record<string, SpaceValue>[] = [{}];
  for (const [path, space] of Object.entries(parameters)) {
    if (space.type !== 'grid') continue;
    points = points.flatMap((p) => space.values.map((v) => ({ ...p, [path]: v })));
  }
  return points;
}

/** One draw from a random axis. */
export function sample(space: Space, rng: Rng): SpaceValue {
  switch (space.type) {
    case 'choice':
      return space.values[rng.int(space.values.length)]!;
    case 'uniform':
      return rng.range(space.low, space.high);
    case 'loguniform':
      return Math.exp(rng.range(Math.log(space.low), Math.log(space.high)));
    case 'randint':
      return space.low + rng.int(space.high - space.low);
    case 'grid':
      throw new Error('grid axes are crossed, not sampled');
  }
}

/** Every trial of the sweep, in order. */
export function expandSweep(sweep: SweepSpace, seed: number): TrialSpec[] {
  const rng = new Rng(seed);
  const points = gridPoints(sweep.parameters);
  const trials: TrialSpec[] = [];
  for (let repeat = 0; repeat < sweep.trials; repeat++) {
    for (const point of points) {
      const params: Record<string, SpaceValue> = {};
      // Declaration order, grid values and draws interleaved as declared.
      for (const [path, space] of Object.entries(sweep.parameters)) {
        params[path] = space.type === 'grid' ? point[path]! : sample(space, rng);
      }
      trials.push({ index: trials.length, params });
    }
  }
  return trials;
}

/** The trial's params as `--set` overrides (values JSON-encoded, so strings, arrays and objects survive). */
export function trialOverrides(params: Record<string, SpaceValue>): string[] {
  return Object.entries(params).map(([path, v]) => `${path}=${JSON.stringify(v)}`);
}

/** A compact, human-readable label: `lr=0.0031 hidden=[16]`. */
export function trialLabel(params: Record<string, SpaceValue>): string {
  return Object.entries(params)
    .map(([path, v]) => `${path.split('.').pop()}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : JSON.stringify(v)}`)
    .join(' ');
}
