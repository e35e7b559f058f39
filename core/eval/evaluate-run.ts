/**
 * The evaluation a run does after training, in one place so that
 * `odelab eval` repeats it exactly: held-out rollouts and segment loss
 * (evaluate.ts); for mechanical systems the acceleration error, energy
 * metric and their plots (evaluate-mechanics.ts); for other systems a plot
 * of the held-out trajectories (trajectory-plots.ts). A rollout that cannot
 * finish (it diverges, or exhausts eval.maxSteps) is not an error: the
 * metrics it would give are absent, not a number, and a failure says why
 * (the run's tag odelab.eval_failure).
 */
import type { DataConfig, EvalConfig, TrainConfig } from '../config/experiment.ts';
import { NumericalError } from '../errors.ts';
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import type { Rng } from '../random.ts';
import type { System } from '../system.ts';
import type { Dataset } from '../train/data.ts';
import { evaluate } from './evaluate.ts';
import { evaluateMechanics } from './evaluate-mechanics.ts';
import { plotTrajectories } from './plotted-trajectories.ts';
import { MAX_PLOTTED, trajectoriesPlot } from './trajectory-plots.ts';

export interface RunEvalParts {
  model: Model;
  system: System;
  /** The experiment's integrator with the evaluation step budget. */
  integrator: Integrator;
  /** The float64 ground-truth integrator. */
  truth: Integrator;
  dataset: Dataset;
  data: DataConfig;
  train: TrainConfig;
  eval: EvalConfig;
  /** The run's evaluation stream. */
  rng: Rng;
  /** Told when a phase starts (progress output). */
  onPhase?: (message: string) => void;
}

export interface RunEvalResult {
  metrics: Record<string, number>;
  /** SVG files by artifact path (`plots/...`); none when eval.plots is false. */
  plots: Record<string, Uint8Array>;
  /** What could not be evaluated and why (those metrics are absent). */
  failures: string[];
  /** What eval_energy_scale is (mechanical systems whose energy metric was computed). */
  energyScaleKind?: string;
}

/** Evaluate a trained model as a run does (see the file comment). */
export function evaluateRun(p: RunEvalParts): RunEvalResult {
  const failures: string[] = [];
  let metrics: Record<string, number> = {};
  p.onPhase?.('evaluating on held-out trajectories');
  try {
    metrics = { ...evaluate(p.model, p.integrator, p.dataset, p.data, p.train) };
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
    failures.push(`held-out rollouts could not finish: ${e.message}`);
  }
  if (p.system.mechanical) {
    p.onPhase?.(`evaluating mechanics: accelerations, energy over ${p.eval.energyStarts} rollouts to t = ${p.eval.energyTime}`);
    const mech = evaluateMechanics({ model: p.model, system: p.system, integrator: p.integrator, truth: p.truth, dataset: p.dataset, eval: p.eval, train: p.train, rng: p.rng });
    const kind = mech.energyScaleKind ? { energyScaleKind: mech.energyScaleKind } : {};
    return { metrics: { ...metrics, ...mech.metrics }, plots: mech.plots, failures: [...failures, ...mech.failures], ...kind };
  }
  const plots: Record<string, Uint8Array> = {};
  if (p.eval.plots) {
    const svg = heldOutFigure(p, failures);
    if (svg) plots['plots/trajectories.svg'] = svg;
  }
  return { metrics, plots, failures };
}

/** The first test trajectories rolled out by the model, against the data; undefined (and a warning) if the rollout diverges. */
function heldOutFigure(p: RunEvalParts, failures: string[]): Uint8Array | undefined {
  try {
    const plotted = plotTrajectories(p, MAX_PLOTTED);
    return plotted.length ? trajectoriesPlot(plotted, p.system) : undefined;
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
    failures.push(`plotted rollout could not finish: ${e.message}`);
    return undefined;
  }
}
