/**
 * What crosses the boundary between the sweep scheduler and a trial's worker
 * (a piscina thread, or a child process for native backends): names, paths
 * and plain data only. Each worker builds its own registry from the built-in
 * plugins module and the experiment's plugin paths, its own tensor backend
 * and its own tracker for the tracking URI.
 */
import type { RunStatus } from '../track/tracker.ts';

export interface TrialTask {
  /** The sweep's parent run id (the sweep id). */
  sweepId: string;
  trialIndex: number;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** Absolute path of the experiment file. */
  experiment: string;
  /** `--set` overrides: the user's, then the trial's. */
  overrides: string[];
  /** `--plugin` modules (absolute paths), besides the experiment's own. */
  pluginPaths: string[];
  /** URL of the module whose `builtinPlugins` export lists the built-in plugins. */
  builtinsModule: string;
  backend: string;
  trackingUri: string;
  runName: string;
  /** The MLflow experiment of the sweep's parent run (workers on other machines may have another MLFLOW_EXPERIMENT_NAME). */
  experimentName: string;
  /** Extra tags of the child run (mlflow.parentRunId, odelab.sweep.*). */
  tags: Record<string, string>;
  /** Metrics the scheduler wants as they are logged (the ASHA metric). */
  watch: string[];
}

/** Worker → scheduler, while a trial runs. */
export type TrialEvent =
  | { type: 'started'; runId: string; experimentId: string }
  | { type: 'metrics'; step: number; values: Record<string, number> };

/** Scheduler → worker. */
export type TrialControl = { type: 'stop'; reason: string };

export interface TrialOutcome {
  runId: string;
  status: RunStatus;
  metrics: Record<string, number>;
  reason?: string;
  durationMs: number;
  /** Time spent in training steps (the rest is the trial's overhead). */
  trainMs: number;
}
