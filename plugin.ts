/**
 * `odelab/plugin`: what a plugin author needs. definePlugin and the five
 * plugin kinds' interfaces, the schema builder for options, and the
 * numerical building blocks: Butcher tableaus and methods made from them,
 * the state algebras, forward-mode jets (Dual), systems from a Lagrangian,
 * and the two gradient machineries a gradient strategy builds on.
 */
export {
  definePlugin,
  integratorPlugin,
  PLUGIN_KINDS,
  type Plugin,
  type PluginKind,
  type PluginOf,
  type SystemPlugin,
  type ModelPlugin,
  type IntegratorPlugin,
  type GradientPlugin,
  type TrackerPlugin,
} from './core/registry/plugin.ts';
export { s, Schema, type Infer, type SchemaInfo, type Shape } from './core/schema.ts';
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
} from './core/errors.ts';
export { Rng } from './core/random.ts';
export { tf } from './core/tensor/tf.ts';
// Models: unique tf.Variable name scopes per instance (tfjs variable names are process-wide)
export { uniqueScope } from './core/nn/unique-scope.ts';
// Interfaces
export { totalEnergy, type System, type MechanicalStructure, type SystemLabels } from './core/system.ts';
export type { JumpEvent } from './core/ode/event-chain.ts';
export type { EventDirection } from './core/ode/events.ts';
export type { Model, ModelContext, NamedWeights } from './core/model.ts';
export type { GradientStrategy, GradientContext, Trajectory, TrajectoryRequest, RunningCost, Vjp } from './core/gradient.ts';
export type { Integrator, StateOps, VectorField, Solution, SolveStats, Tolerance } from './core/ode/types.ts';
export type { Tracker, RunInfo, RunData, RunStatus, Metric, LogBatch, CreateRunRequest } from './core/track/tracker.ts';
// Solvers
export { ButcherTableau, type TableauSpec, type InterpolantSpec } from './core/ode/tableau.ts';
export { fixedStepMethod, adaptiveMethod, methodTable, resolveTolerance, type Method, type Methods } from './core/ode/method.ts';
export { SOLVERS } from './core/ode/methods/index.ts';
export { hermiteInterpolant } from './core/ode/hermite-interpolant.ts';
export { float64Ops } from './core/ode/float64-ops.ts';
export { tensorOps } from './core/ode/tensor-ops.ts';
export { backpropTrajectory } from './core/ode/backprop.ts';
export { adjointTrajectory, type AdjointSettings, type AdjointRequest } from './core/ode/adjoint.ts';
export { augmentWithCost, type Augmented } from './core/ode/running-cost.ts';
export { checkpointTrajectory, DEFAULT_CHECKPOINTS, type CheckpointSettings } from './core/ode/checkpoint.ts';
export { symplecticAdjointTrajectory } from './core/ode/symplectic-adjoint.ts';
// Physics
export { Dual } from './core/physics/dual.ts';
export { solveLinear, solveInPlace } from './core/physics/linalg.ts';
export { wrapAngle, wrapAngles } from './core/physics/angles.ts';
export {
  lagrangianSystem,
  accelerationFromLagrangian,
  lagrangianJet,
  lagrangianEnergy,
  lagrangianPotential,
  isLagrangianSpec,
  type Lagrangian,
  type LagrangianSpec,
} from './core/physics/lagrangian.ts';
export { instantiateSystem } from './core/physics/instantiate.ts';
