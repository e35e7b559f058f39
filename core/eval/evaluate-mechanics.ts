/**
 * The evaluation a run of a mechanical system adds after training: the
 * acceleration error, the energy metric and its drift, and the plots
 * (see mechanics.ts and mechanics-plots.ts).
 */
import type { EvalConfig, TrainConfig } from '../config/experiment.ts';
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import type { Rng } from '../random.ts';
import type { System } from '../system.ts';
import type { Dataset } from '../train/data.ts';
import { NumericalError } from '../errors.ts';
import { accelerationPlot, energyPlot, phasePlot, trajectoryPlot } from './mechanics-plots.ts';
import { accelerationError, energyMetric, modelRollout, truthRollout } from './mechanics.ts';
import { plotTrajectories } from './plotted-trajectories.ts';

export interface MechanicsEvalParts {
  model: Model;
  system: System;
  /** The experiment's integrator (the model's rollouts). */
  integrator: Integrator;
  /** The float64 ground-truth integrator. */
  truth: Integrator;
  dataset: Dataset;
  eval: EvalConfig;
  train: TrainConfig;
  rng: Rng;
}

/** Box of the acceleration error: the training box of the acceleration objective, else the held-out states' ranges. */
function accelerationBox(p: MechanicsEvalParts): { q: number[]; qdot: number[] } {
  if (p.train.objective.name === 'acceleration') return p.train.objective;
  const n = p.system.mechanical!.coordinates;
  const { values, dim } = p.dataset.test;
  const range = (from: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i += dim) {
      for (let d = from; d < from + n; d++) {
        lo = Math.min(lo, values[i + d]!);
        hi = Math.max(hi, values[i + d]!);
      }
    }
    return hi > lo ? [lo, hi] : [lo - 1, lo + 1];
  };
  return { q: range(0), qdot: range(n) };
}

export interface MechanicsEvalResult {
  metrics: Record<string, number>;
  plots: Record<string, Uint8Array>;
  /** What could not be evaluated and why (its metrics are then absent). */
  failures: string[];
  /** What eval_energy_scale is (e.g. 'max|V|'), when the energy metric was computed. */
  energyScaleKind?: string;
}

/**
 * Acceleration error, energy metric and plots. A model whose rollout
 * cannot finish (non-finite state, step budget exhausted) is not a failed
 * run: the metrics it would give are absent and the reason is returned as a
 * failure. (Energy starts that blow up within a finished rollout are part of
 * the energy metric: counted, and its mean is then +Infinity.)
 */
export function evaluateMechanics(p: MechanicsEvalParts): MechanicsEvalResult {
  const failures: string[] = [];
  const accel = accelerationError(p.model, p.system, accelerationBox(p), p.rng.fork(), p.eval.accelerationSamples);
  const rollout = modelRollout(p.model, p.integrator);
  const metrics: Record<string, number> = { eval_accel_mae: accel.eval_accel_mae, eval_accel_rel: accel.eval_accel_rel };
  const plots: Record<string, Uint8Array> = {};
  const energyRng = p.rng.fork();
  const energy = guarded(failures, 'energy rollouts', () => energyMetric(p.system, rollout, truthRollout(p.system, p.truth), p.eval, energyRng));
  if (energy) {
    Object.assign(metrics, {
      eval_energy_error_pct: energy.eval_energy_error_pct,
      eval_energy_drift_pct: energy.eval_energy_drift_pct,
      eval_energy_diverged: energy.eval_energy_diverged,
      eval_energy_error_finite_pct: energy.eval_energy_error_finite_pct,
      eval_energy_error_median_pct: energy.eval_energy_error_median_pct,
      eval_energy_scale: energy.eval_energy_scale,
    });
  }
  const kind = energy ? { energyScaleKind: energy.energyScaleKind } : {};
  if (!p.eval.plots) return { metrics, plots, failures, ...kind };
  const plotted = guarded(failures, 'plotted rollout', () => plotTrajectories(p, 1));
  if (plotted?.length) {
    plots['plots/trajectory.svg'] = trajectoryPlot(plotted, p.system);
    plots['plots/phase.svg'] = phasePlot(plotted, p.system);
  }
  if (energy) plots['plots/energy.svg'] = energyPlot(energy, p.system);
  plots['plots/accelerations.svg'] = accelerationPlot(accel.pred, accel.truth, p.system);
  return { metrics, plots, failures, ...kind };
}

/** Run `f`; a NumericalError (a rollout that cannot finish) becomes a failure and undefined. */
function guarded<T>(failures: string[], what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
    failures.push(`${what} could not finish: ${e.message}`);
    return undefined;
  }
}
