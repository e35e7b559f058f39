/**
 * The experiment file: its type, `defineExperiment`, and the schemas of the
 * sections that core owns (data, train). Plugin sections (system, model,
 * integrator, gradient) are `{ name, ...options }` and are validated against
 * the named plugin's own options schema when the experiment is resolved.
 */
import type { Space } from './space.ts';
import { s, type Infer } from '../schema.ts';

/** A plugin section: the plugin's name and its options. */
export interface PluginSection {
  name: string;
  [option: string]: unknown;
}

export const dataSchema = s.object({
  trajectories: s.integer({ min: 1 }).default(1).describe('training trajectories drawn from the system'),
  testTrajectories: s.integer({ min: 1 }).default(1).describe('held-out trajectories for evaluation'),
  timeSpan: s.number({ gt: 0 }).optional().describe("length of each trajectory (default: the system's)"),
  points: s.integer({ min: 2 }).default(1000).describe('samples per trajectory, evenly spaced'),
  noise: s.number({ min: 0 }).default(0).describe('std of Gaussian noise added to training samples'),
  batchTime: s.integer({ min: 2 }).default(10).describe('time points per training segment'),
  batchSize: s.integer({ min: 1 }).default(20).describe('segments per training batch'),
  truthMethod: s
    .string()
    .default('auto')
    .describe("adaptive integrator of the float64 ground truth; 'auto': radau5 for a stiff system, dopri8 otherwise"),
  truthRtol: s
    .number({ gt: 0, max: 1e-10 })
    .default(1e-10)
    .describe('relative tolerance of the float64 ground truth (1e-10 or tighter)'),
  truthAtol: s.number({ gt: 0 }).default(1e-12).describe('absolute tolerance of the float64 ground truth'),
});
export type DataConfig = Infer<typeof dataSchema>;

const fraction = () => s.number({ gt: 0, lt: 1 });

export const optimizerSchema = s
  .tagged('name', {
    adam: s.object({
      beta1: fraction().default(0.9),
      beta2: fraction().default(0.999),
      epsilon: s.number({ gt: 0 }).default(1e-8),
    }),
    rmsprop: s.object({
      decay: fraction().default(0.99).describe("smoothing constant (torch's alpha)"),
      momentum: s.number({ min: 0, lt: 1 }).default(0),
      epsilon: s.number({ gt: 0 }).default(1e-8),
    }),
  })
  .default({ name: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
export type OptimizerConfig = Infer<typeof optimizerSchema>;

export const scheduleSchema = s
  .tagged('name', {
    constant: s.object({}),
    exponential: s.object({
      gamma: s.number({ gt: 0, max: 1 }).describe('lr multiplied by gamma every `every` steps, smoothly'),
      every: s.integer({ min: 1 }).default(1),
    }),
    step: s.object({
      gamma: s.number({ gt: 0, max: 1 }).describe('lr multiplied by gamma once every `every` steps'),
      every: s.integer({ min: 1 }),
    }),
    cosine: s.object({ minLr: s.number({ min: 0 }).default(0).describe('lr at the last step') }),
    'one-cycle': s.object({
      pctStart: fraction().default(0.3).describe('fraction of the steps spent warming up to train.lr'),
      divFactor: s.number({ gt: 1 }).default(25).describe('the warm-up starts at lr / divFactor'),
      finalDivFactor: s.number({ gt: 1 }).default(1e4).describe('the last step is at lr / (divFactor · finalDivFactor)'),
    }),
  })
  .default({ name: 'constant' });
export type ScheduleConfig = Infer<typeof scheduleSchema>;

const TWO_PI = 2 * Math.PI;
const range = (lo: number, hi: number, what: string) =>
  s.array(s.number(), { minLength: 2, maxLength: 2 }).default([lo, hi]).describe(`${what}: [low, high), drawn uniformly per coordinate`);

export const objectiveSchema = s
  .tagged('name', {
    trajectory: s.object({}),
    acceleration: s.object({
      q: range(0, TWO_PI, 'coordinates q'),
      qdot: range(-10, 10, 'velocities q̇'),
      velocityWarmup: s
        .integer({ min: 0 })
        .default(0)
        .describe('steps over which the velocity box grows linearly from 10% to all of qdot (a curriculum; 0: none)'),
    }),
  })
  .default({ name: 'trajectory' })
  .describe(
    "'trajectory': match trajectory segments through the ODE solver (backprop or adjoint); " +
      "'acceleration': regress q̈ on fresh random states each batch (Cranmer et al. 2020; mechanical systems only, data.batchSize states per batch)",
  );
export type ObjectiveConfig = Infer<typeof objectiveSchema>;

export const trainSchema = s.object({
  objective: objectiveSchema,
  steps: s.integer({ min: 1 }).default(1000).describe('optimiser steps'),
  lr: s.number({ gt: 0 }).default(1e-3).describe('learning rate'),
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  loss: s.enum(['l1', 'mse'] as const).default('l1').describe('mean absolute or squared error on trajectories'),
  clipNorm: s.number({ gt: 0 }).optional().describe('clip the global gradient norm to this'),
  runningCost: s
    .object({
      type: s.enum(['kinetic', 'l2'] as const).describe("l(t, x): 'kinetic' = mean |f(x)|² over the batch, 'l2' = mean |x|²"),
      weight: s.number({ gt: 0 }).describe('the loss adds weight · ∫ l dτ over each segment'),
    })
    .optional()
    .describe("a running cost ∫ l(x, τ) dτ added to the loss (the seed's eq. 4)"),
  logEvery: s.integer({ min: 1 }).default(10).describe('log the training loss every N steps'),
});
export type TrainConfig = Infer<typeof trainSchema>;

export const evalSchema = s.object({
  accelerationSamples: s
    .integer({ min: 1 })
    .default(1000)
    .describe('fresh states for the acceleration error (mechanical systems)'),
  energyStarts: s
    .integer({ min: 1 })
    .default(40)
    .describe('starts of the energy metric: random angles (other coordinates from the system), q̇ ~ U[0, energyMaxVelocity)'),
  energyMaxVelocity: s.number({ min: 0 }).default(0.1),
  energyTime: s.number({ gt: 0 }).default(100).describe('length of the energy rollouts'),
  energyFrames: s.integer({ min: 2 }).default(1000).describe('frames of each energy rollout'),
  plots: s.boolean().default(true).describe('log SVG plots as run artifacts'),
  maxSteps: s
    .integer({ min: 1 })
    .default(20000)
    .describe("step budget of each evaluation rollout with an adaptive integrator (a rollout that exceeds it is reported as diverged)"),
});
export type EvalConfig = Infer<typeof evalSchema>;

/** What an experiment file's default export describes (before defaults and validation). */
export interface ExperimentSpec {
  /** Experiment name (the MLflow experiment, unless MLFLOW_EXPERIMENT_NAME is set). */
  name: string;
  description?: string;
  /** A command to suggest when a run of this experiment ends (printed in its summary). */
  next?: string;
  /** Seed for data, initialisation and batching (default 0). */
  seed?: number;
  /** Plugin modules to load, relative to the experiment file. */
  plugins?: string[];
  system: PluginSection;
  model: PluginSection;
  integrator: PluginSection;
  /** Default: `{ name: 'backprop' }`. */
  gradient?: PluginSection;
  data?: Partial<Omit<DataConfig, never>>;
  train?: {
    [K in keyof TrainConfig]?: K extends 'optimizer' | 'schedule' | 'objective' ? { name: string; [k: string]: unknown } : TrainConfig[K];
  };
  /** Evaluation after training (mechanical systems: acceleration error, energy metric, plots). */
  eval?: Partial<EvalConfig>;
  sweep?: {
    parameters: Record<string, Space>;
    objective: { metric: string; mode: 'min' | 'max' };
    trials?: number;
    seed?: number;
    asha?: { metric?: string; gracePeriod?: number; reductionFactor?: number; maxResource?: number };
  };
}

const EXPERIMENT = Symbol.for('odelab.experiment');

/** Declare an experiment; the default export of an experiment file. */
export function defineExperiment<T extends ExperimentSpec>(spec: T): T {
  Object.defineProperty(spec, EXPERIMENT, { value: true, enumerable: false });
  return spec;
}

/** Whether a value was made by defineExperiment. */
export function isExperiment(value: unknown): value is ExperimentSpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXPERIMENT] === true;
}
