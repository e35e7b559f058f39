/**
 * `odelab/node`: running experiments from a program. The registry with the
 * built-in plugins, loading and resolving experiment files, the runner,
 * training and evaluation, trackers, backends, and the command line itself.
 */
import { builtinPlugins } from './plugins/index.ts';
import { Registry } from './core/registry/registry.ts';

export { builtinPlugins };
export { Registry };

/** A fresh registry with every built-in plugin registered. */
export function createRegistry(): Registry {
  return Registry.with(builtinPlugins);
}

export { loadPluginModule } from './core/registry/loader.ts';
export { createOdeint } from './core/ode/odeint.ts';
export { gradientContext } from './core/ode/gradient-context.ts';
export { defineExperiment, isExperiment, type ExperimentSpec, type PluginSection, type DataConfig, type TrainConfig } from './core/config/experiment.ts';
export { loadExperiment, importExperiment, type LoadedExperiment, type LoadOptions } from './core/config/load.ts';
export { resolveExperiment, flattenConfig, type ResolvedExperiment } from './core/config/resolve.ts';
export { applyOverrides, parseOverride } from './core/config/overrides.ts';
export { ExperimentRunner, systemClock, type Clock, type RunnerOptions, type RunRequest, type RunSummary } from './core/run/runner.ts';
export { TOKENS, runContainer, resolveRunner, type RunParts } from './core/run/run-container.ts';
export { silentReporter, type ProgressReporter } from './core/run/reporter.ts';
export { RunLogger } from './core/track/run-logger.ts';
export { selectTracker, DEFAULT_TRACKING_URI } from './core/track/select.ts';
export { train, trainStep, type StepReport, type TrainHooks } from './core/train/trainer.ts';
export { generateDataset, timeGrid, groundTruth, type Dataset, type TrajectorySet } from './core/train/data.ts';
export { evaluate, type EvalMetrics } from './core/eval/evaluate.ts';
export { initBackend, resolveBackendName, parseBackendName, BACKENDS, AUTO_JS_BACKEND, type BackendName, type ConcreteBackend } from './core/tensor/backend.ts';
export { runCli } from './core/cli/run-cli.ts';
export { EXIT } from './core/cli/exit.ts';
