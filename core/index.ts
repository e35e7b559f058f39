/**
 * odelab's public API (imported as `odelab`, explicit named exports only).
 */
export { s, Schema, type Infer, type SchemaInfo, type Shape } from './config/schema.ts';
export {
  OdelabError,
  ConfigError,
  UnknownPluginError,
  BackendUnavailableError,
  NumericalError,
  TrackingError,
  TrackingUnavailableError,
  InterruptedError,
  ErrorCodes,
  type ErrorCode,
} from './errors.ts';
export { Rng } from './random.ts';
export {
  definePlugin,
  PLUGIN_KINDS,
  type Plugin,
  type PluginKind,
  type PluginOf,
  type SystemPlugin,
  type ModelPlugin,
  type IntegratorPlugin,
  type GradientPlugin,
  type TrackerPlugin,
} from './registry/plugin.ts';
export { Registry } from './registry/registry.ts';
export { loadPluginModule } from './registry/loader.ts';
export type { System, MechanicalStructure, SystemLabels } from './system.ts';
export { totalEnergy } from './system.ts';
export { Dual } from './physics/dual.ts';
export { solveLinear, solveInPlace } from './physics/linalg.ts';
export { wrapAngle, wrapAngles } from './physics/angles.ts';
export {
  lagrangianSystem,
  accelerationFromLagrangian,
  lagrangianJet,
  lagrangianEnergy,
  lagrangianPotential,
  isLagrangianSpec,
  type Lagrangian,
  type LagrangianSpec,
} from './physics/lagrangian.ts';
export { instantiateSystem } from './physics/instantiate.ts';
export type { Model, ModelContext, NamedWeights } from './model.ts';
export type { GradientStrategy, GradientContext, Trajectory, TrajectoryRequest, RunningCost, Vjp } from './gradient.ts';
export { augmentWithCost, type Augmented } from './ode/running-cost.ts';
export type {
  Tracker,
  RunInfo,
  RunData,
  RunStatus,
  Metric,
  LogBatch,
  CreateRunRequest,
} from './track/tracker.ts';
export { ButcherTableau, type TableauSpec } from './ode/tableau.ts';
export { rkStep } from './ode/explicit-rk.ts';
export { solveFixedGrid } from './ode/fixed-grid.ts';
export { fixedStepIntegrator } from './ode/fixed-step-plugin.ts';
export { float64Ops } from './ode/float64-ops.ts';
export type { Integrator, StateOps, VectorField, Solution, SolveStats } from './ode/types.ts';
export { tensorOps } from './tensor/tensor-ops.ts';
export { tf } from './tensor/tf.ts';
export {
  initBackend,
  resolveBackendName,
  parseBackendName,
  BACKENDS,
  AUTO_JS_BACKEND,
  type BackendName,
  type ConcreteBackend,
} from './tensor/backend.ts';
export {
  defineExperiment,
  isExperiment,
  type ExperimentSpec,
  type PluginSection,
  type DataConfig,
  type TrainConfig,
} from './config/experiment.ts';
export { grid, choice, uniform, loguniform, randint, type Space } from './config/space.ts';
export { loadExperiment, importExperiment, type LoadedExperiment, type LoadOptions } from './config/load.ts';
export { resolveExperiment, flattenConfig, type ResolvedExperiment } from './config/resolve.ts';
export { applyOverrides, parseOverride } from './config/overrides.ts';
export { ExperimentRunner, type RunRequest, type RunSummary } from './run/runner.ts';
export { TOKENS } from './run/tokens.ts';
export { silentReporter, type ProgressReporter } from './run/reporter.ts';
export { RunLogger } from './track/run-logger.ts';
export { selectTracker, DEFAULT_TRACKING_URI } from './track/select.ts';
export { train, trainStep, type StepReport, type TrainHooks } from './train/trainer.ts';
export { generateDataset, timeGrid, groundTruth, type Dataset, type TrajectorySet } from './train/data.ts';
export { evaluate, type EvalMetrics } from './eval/evaluate.ts';
export { runCli } from './cli/run-cli.ts';
export { EXIT } from './cli/exit.ts';
export { adaptiveIntegrator, resolveTolerance, DEFAULT_TOLERANCES, RTOL_FLOOR, adaptiveOptionsShape } from './ode/adaptive-plugin.ts';
export { solveAdaptive, type AdaptiveOptions } from './ode/adaptive.ts';
export { DEFAULT_CONTROLLER, errorRatio, nextStepSize, initialStepSize, type ControllerOptions } from './ode/controller.ts';
export { hermiteDense } from './ode/dense.ts';
export { firstViolation, treeCounts } from './ode/order-conditions.ts';
export type { DenseOutputSpec } from './ode/tableau.ts';
export type { Tolerance, ScaledSquares } from './ode/types.ts';
export { createOdeint, integratorFor, integratorOptions, normaliseTimes, DEFAULT_METHOD, type OdeintOptions, type OdeintResult, type OdeintAdjointOptions } from './ode/odeint.ts';
export { adjointTrajectory, type AdjointSettings, type AdjointRequest } from './ode/adjoint.ts';
export { untapedTensorOps } from './tensor/tensor-ops.ts';
export { gradientContext } from './ode/gradient-context.ts';
export { backpropTrajectory } from './ode/backprop.ts';
