/**
 * The names of the metrics a run logs, known from its resolved config before
 * anything runs, so that a sweep can reject an objective no trial would ever
 * log (a typo would otherwise run every trial for nothing). The names are
 * listed here, beside the reasons they depend on the config; the code that
 * logs them is core/run/runner.ts (timings, training), core/eval/evaluate.ts
 * (held-out rollouts), core/eval/evaluate-mechanics.ts (mechanical systems)
 * and the model's `diagnostics()` (names declared by its plugin's
 * `diagnosticMetrics`). test/core/run/logged-metrics.test.ts compares this
 * list with what real runs log, so a metric added there and not here fails.
 */
import type { ResolvedExperiment } from '../config/resolve.ts';
import type { EvalMetrics } from '../eval/evaluate.ts';
import { instantiateSystem } from '../physics/instantiate.ts';

/** Logged by the runner once per run (data generation, the whole run). */
export const RUN_METRICS = ['data_time_s', 'wall_time_s'] as const;

/** Logged every train.logEvery steps while training (what ASHA can judge). */
export const TRAIN_STEP_METRICS = ['train_loss', 'train_lr', 'train_nfe_forward', 'train_nfe_backward'] as const;

/** Logged once training ends. */
export const TRAIN_END_METRICS = ['train_time_s', 'steps_per_s'] as const;

// A Record over EvalMetrics' keys: adding a field there without listing it here does not compile.
const HELD_OUT: Record<keyof EvalMetrics, true> = { eval_rollout_mae: true, eval_rollout_rmse: true, eval_final_mae: true, eval_segment_loss: true };

/** Logged by every evaluation (held-out rollouts and segment loss). */
export const EVAL_METRICS = Object.keys(HELD_OUT) as (keyof EvalMetrics)[];

/** Logged by the evaluation of a mechanical system (acceleration error, Cranmer et al.'s energy metric). */
export const MECHANICS_METRICS = [
  'eval_accel_mae',
  'eval_accel_rel',
  'eval_energy_error_pct',
  'eval_energy_drift_pct',
  'eval_energy_diverged',
  'eval_energy_error_finite_pct',
  'eval_energy_error_median_pct',
  'eval_energy_scale',
] as const;

/**
 * Logged only by some runs of a config: `train_nfe_backward` needs a gradient
 * strategy with a backward solve (the adjoint); which one has is known only
 * once the strategy runs. Every other name is logged by every run that
 * finishes without a diverging evaluation (a diverged rollout leaves out
 * the metrics it could not compute).
 */
export const CONDITIONAL_METRICS: readonly string[] = ['train_nfe_backward'];

/** Every metric name a finished run of this config may log, sorted. */
export function loggedMetricNames(r: ResolvedExperiment): string[] {
  const names: string[] = [...RUN_METRICS, ...TRAIN_END_METRICS, ...EVAL_METRICS];
  // The acceleration objective takes no solve, so it never has a backward one.
  names.push(...TRAIN_STEP_METRICS.filter((m) => m !== 'train_nfe_backward' || r.train.objective.name === 'trajectory'));
  if (instantiateSystem(r.system.plugin, r.system.options as never).mechanical) names.push(...MECHANICS_METRICS);
  names.push(...(r.model.plugin.diagnosticMetrics ?? []));
  return [...new Set(names)].sort();
}

/** The training metrics a run logs as it trains, in the order of a step's report. */
export function trainingMetricNames(r: ResolvedExperiment): string[] {
  const all = new Set(loggedMetricNames(r));
  return TRAIN_STEP_METRICS.filter((m) => all.has(m));
}
