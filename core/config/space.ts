/**
 * Search-space constructors for an experiment's `sweep` section, with Ray
 * Tune's semantics: grid axes are crossed; random axes are sampled `trials`
 * times per grid point.
 */
import { ConfigError } from '../errors.ts';
import { s } from '../schema.ts';

export type SpaceValue = string | number | boolean | null | SpaceValue[] | { [k: string]: SpaceValue };

export type Space =
  | { type: 'grid'; values: SpaceValue[] }
  | { type: 'choice'; values: SpaceValue[] }
  | { type: 'uniform'; low: number; high: number }
  | { type: 'loguniform'; low: number; high: number }
  | { type: 'randint'; low: number; high: number };

/** Every value, crossed with the other grid axes. */
export const grid = (values: SpaceValue[]): Space => ({ type: 'grid', values });
/** One of the values, drawn uniformly per trial. */
export const choice = (values: SpaceValue[]): Space => ({ type: 'choice', values });
/** A float drawn uniformly from [low, high). */
export const uniform = (low: number, high: number): Space => ({ type: 'uniform', low, high });
/** A float whose logarithm is uniform on [log low, log high). */
export const loguniform = (low: number, high: number): Space => ({ type: 'loguniform', low, high });
/** An integer drawn uniformly from [low, high) (upper bound exclusive, as Ray Tune). */
export const randint = (low: number, high: number): Space => ({ type: 'randint', low, high });

const values = s.array(s.unknown(), { minLength: 1 });

export const spaceSchema = s.tagged('type', {
  grid: s.object({ values }),
  choice: s.object({ values }),
  uniform: s.object({ low: s.number(), high: s.number() }),
  loguniform: s.object({ low: s.number({ gt: 0 }), high: s.number({ gt: 0 }) }),
  randint: s.object({ low: s.integer(), high: s.integer() }),
});

export const sweepSchema = s.object({
  parameters: s.record(spaceSchema).describe('config path -> search space'),
  objective: s.object({
    metric: s.string().describe('metric to optimise'),
    mode: s.enum(['min', 'max'] as const),
  }),
  trials: s.integer({ min: 1 }).default(1).describe('samples of the random axes per grid point'),
  seed: s.integer({ min: 0 }).optional().describe('sweep seed (default: the experiment seed)'),
  asha: s
    .object({
      metric: s.string().optional().describe("training metric judged at each rung (default: the objective if it is a train_* metric, else 'train_loss')"),
      gracePeriod: s.integer({ min: 1 }).optional().describe('steps before the first rung (default: max steps / η², at least train.logEvery)'),
      reductionFactor: s.number({ gt: 1 }).default(4).describe('η: about 1 in η trials goes past each rung (Ray Tune: 4)'),
      maxResource: s.integer({ min: 1 }).optional().describe('steps at which every trial stops (default: train.steps)'),
    })
    .default({ metric: undefined, gracePeriod: undefined, reductionFactor: 4, maxResource: undefined })
    .describe('ASHA settings, used with --scheduler asha'),
});

/** Checks a parsed space beyond its shape (bounds ordered). */
export function checkSpace(space: ReturnType<typeof spaceSchema.parse>, path: string): void {
  if ('low' in space && !(space.low < space.high)) {
    throw new ConfigError(path, `${path} must have low < high, got low ${space.low} and high ${space.high}`);
  }
}
