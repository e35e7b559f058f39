/**
 * `odelab`: the solvers and what an experiment file needs.
 *
 *   import { odeint, tf } from 'odelab';
 *   const ys = odeint((t, y) => tf.neg(y), tf.tensor2d([[1]]), [0, 1, 2], { method: 'dopri5' });
 *
 * Importing it loads the solver library (core/ode, core/tensor) and tfjs,
 * nothing of the registry, the runner or tracking. Plugin authors import
 * `odelab/plugin`; programs that run experiments import `odelab/node`.
 */
import { builtinMethods } from './core/ode/methods/index.ts';
import { createOdeint } from './core/ode/odeint.ts';

export const { odeint, odeintWithStats, odeint64, odeintAdjoint, odeintAdjointWithStats, odeintEvent, odeintEvent64 } = createOdeint(() => builtinMethods);
export { SOLVERS } from './core/ode/methods/index.ts';
export {
  DEFAULT_METHOD,
  type OdeintOptions,
  type OdeintResult,
  type OdeintAdjointOptions,
  type OdeintEventOptions,
  type OdeintEvent64Options,
  type OdeintEventResult,
} from './core/ode/odeint.ts';
export type { EventDirection } from './core/ode/events.ts';
export type { Method } from './core/ode/method.ts';
export type { SolveStats } from './core/ode/types.ts';
export type { Trajectory } from './core/gradient.ts';
export { tf } from './core/tensor/tf.ts';
export { initBackend, type BackendName } from './core/tensor/backend.ts';
export { Rng } from './core/random.ts';
export { OdelabError, ConfigError, NumericalError } from './core/errors.ts';
export { defineExperiment, type ExperimentSpec } from './core/config/experiment.ts';
export { grid, choice, uniform, loguniform, randint, type Space } from './core/config/space.ts';
