/**
 * The flags of `odelab eval`, checked at the boundary before anything is
 * read: which flags go with which mode (evaluation or --rollout), numbers in
 * range, `--x0` parsed. Every problem is a ConfigError naming the flag.
 * Also the flags' declaration for yargs (the --help text).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { EvalConfig } from '../config/experiment.ts';
import { ConfigError } from '../errors.ts';
import { BACKENDS } from '../tensor/backend.ts';
import { withPluginOption } from './command-options.ts';

/** Declare the positional and the flags of `odelab eval` (what --help shows). */
export function evalOptions<T>(y: Argv<T>) {
  const rollout = 'Rollout (--rollout):';
  const evaluation = 'Evaluation (default):';
  return withPluginOption(y)
    .positional('model', { type: 'string', demandOption: true, describe: 'runs:/<run_id>/model (read through the tracker), a bare run id (its model, the same), or a folder holding MLmodel, config.json, weights.json, weights.bin' })
    .option('tracking-uri', { type: 'string', describe: 'MLflow tracking URI for runs:/ models [env MLFLOW_TRACKING_URI; default ./mlruns]' })
    .option('backend', { type: 'string', choices: BACKENDS, describe: "tensor backend [env ODELAB_BACKEND; default auto]; the run's backend reproduces its metrics exactly" })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' })
    .option('json', { type: 'boolean', default: false, group: evaluation, describe: 'print the metrics as one JSON object' })
    .option('energy-starts', { type: 'number', group: evaluation, describe: "starts of the energy metric (default: the run's eval.energyStarts)" })
    .option('energy-time', { type: 'number', group: evaluation, describe: "length of the energy rollouts (default: the run's eval.energyTime)" })
    .option('energy-frames', { type: 'number', group: evaluation, describe: "frames of each energy rollout (default: the run's eval.energyFrames)" })
    .option('acceleration-samples', { type: 'number', group: evaluation, describe: "fresh states of the acceleration error (default: the run's eval.accelerationSamples)" })
    .option('plots', { type: 'string', group: evaluation, describe: 'write the SVG plots to this folder' })
    .option('rollout', { type: 'boolean', default: false, group: rollout, describe: 'roll the model and the true system out; JSON { t, x0, predicted, truth }' })
    .option('x0', { type: 'string', array: true, default: [] as string[], requiresArg: true, group: rollout, describe: 'initial state a,b,c (repeatable; negative first value: --x0=-1,0)' })
    .option('starts', { type: 'number', group: rollout, describe: "without --x0: initial states drawn from the system's sampler (default 1)" })
    .option('seed', { type: 'number', group: rollout, describe: "seed of those draws (default: the experiment's)" })
    .option('t-end', { type: 'number', group: rollout, describe: "end time (default: the run's data.timeSpan, else the system's)" })
    .option('points', { type: 'number', group: rollout, describe: "time points from 0 to --t-end (default: the run's data.points)" })
    .option('out', { type: 'string', group: rollout, describe: 'write the JSON here (default: stdout)' });
}

/** The flags as yargs hands them over. */
export interface EvalArgs {
  model: string;
  plugin: string[];
  backend?: string;
  trackingUri?: string;
  json: boolean;
  quiet: boolean;
  rollout: boolean;
  x0: string[];
  starts?: number;
  seed?: number;
  tEnd?: number;
  points?: number;
  out?: string;
  energyStarts?: number;
  energyTime?: number;
  energyFrames?: number;
  accelerationSamples?: number;
  plots?: string;
}

export interface RolloutOptions {
  /** Given initial states (their length is checked against the system once it is known). */
  x0?: number[][];
  /** How many initial states to draw from the system's sampler when no x0 is given. */
  starts: number;
  seed?: number;
  tEnd?: number;
  points?: number;
  /** Absolute path of the JSON output, or undefined for stdout. */
  out?: string;
}

export interface EvaluationOptions {
  /** Changes to the experiment's eval section (shorter evaluations). */
  eval: Partial<Pick<EvalConfig, 'energyStarts' | 'energyTime' | 'energyFrames' | 'accelerationSamples'>>;
  /** Folder to write the SVG plots to. */
  plots?: string;
  json: boolean;
}

export type EvalMode = { kind: 'rollout'; rollout: RolloutOptions } | { kind: 'evaluate'; evaluate: EvaluationOptions };

const ROLLOUT_ONLY = { x0: '--x0', starts: '--starts', seed: '--seed', tEnd: '--t-end', points: '--points', out: '--out' } as const;
const EVALUATE_ONLY = {
  energyStarts: '--energy-starts',
  energyTime: '--energy-time',
  energyFrames: '--energy-frames',
  accelerationSamples: '--acceleration-samples',
  plots: '--plots',
  json: '--json',
} as const;

function integer(flag: string, v: number | undefined, min: number): number | undefined {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= min)) {
    throw new ConfigError(flag, `${flag} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}

function positive(flag: string, v: number | undefined): number | undefined {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new ConfigError(flag, `${flag} must be a positive number, got ${v}`);
  return v;
}

/** `--x0 a,b,c` (repeatable): one state per flag. */
function parseX0(values: readonly string[]): number[][] | undefined {
  if (!values.length) return undefined;
  return values.map((text, i) => {
    const parts = String(text).split(',').map((p) => p.trim());
    const bad = parts.findIndex((p) => p === '' || !Number.isFinite(Number(p)));
    if (bad >= 0) {
      throw new ConfigError('--x0', `--x0 must be comma-separated finite numbers like 1,0.5; '${text}'${values.length > 1 ? ` (the ${i + 1}. one)` : ''} has '${parts[bad]}'`);
    }
    return parts.map(Number);
  });
}

/** A flag of the other mode is an error, not silently ignored. */
function rejectFlags(a: EvalArgs, flags: Record<string, string>, why: string): void {
  for (const [key, flag] of Object.entries(flags)) {
    const v = a[key as keyof EvalArgs];
    const given = Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
    if (given) throw new ConfigError(flag, `${flag} ${why}`);
  }
}

export function parseEvalArgs(a: EvalArgs): EvalMode {
  if (!a.rollout) {
    rejectFlags(a, ROLLOUT_ONLY, 'applies to --rollout only');
    const evalChanges = {
      energyStarts: integer('--energy-starts', a.energyStarts, 1),
      energyTime: positive('--energy-time', a.energyTime),
      energyFrames: integer('--energy-frames', a.energyFrames, 2),
      accelerationSamples: integer('--acceleration-samples', a.accelerationSamples, 1),
    };
    const defined = Object.fromEntries(Object.entries(evalChanges).filter(([, v]) => v !== undefined));
    return { kind: 'evaluate', evaluate: { eval: defined, json: a.json, ...(a.plots !== undefined ? { plots: resolve(a.plots) } : {}) } };
  }
  rejectFlags(a, EVALUATE_ONLY, 'applies to the evaluation, not to --rollout (which always writes JSON)');
  const x0 = parseX0(a.x0);
  if (x0 && a.starts !== undefined) throw new ConfigError('--starts', '--starts draws initial states; it cannot be combined with --x0');
  if (x0 && a.seed !== undefined) throw new ConfigError('--seed', '--seed draws initial states; it cannot be combined with --x0');
  const out = a.out !== undefined ? resolve(a.out) : undefined;
  if (out && !(existsSync(dirname(out)) && statSync(dirname(out)).isDirectory())) {
    throw new ConfigError('--out', `--out: folder ${dirname(out)} does not exist`);
  }
  return {
    kind: 'rollout',
    rollout: {
      ...(x0 ? { x0 } : {}),
      starts: integer('--starts', a.starts, 1) ?? 1,
      seed: integer('--seed', a.seed, 0),
      tEnd: positive('--t-end', a.tEnd),
      points: integer('--points', a.points, 2),
      out,
    },
  };
}
