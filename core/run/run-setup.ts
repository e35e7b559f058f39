/**
 * The parts of a run that `odelab run` and `odelab eval` must build the
 * same way, so that a model loaded back is evaluated on the same data with
 * the same random numbers: the seed's random streams, the ground-truth and
 * evaluation integrators, and the model.
 */
import type { ResolvedExperiment } from '../config/resolve.ts';
import type { Model } from '../model.ts';
import { withEvents } from '../ode/event-chain.ts';
import type { Integrator } from '../ode/types.ts';
import { Rng } from '../random.ts';
import type { Registry } from '../registry/registry.ts';
import type { System } from '../system.ts';

/** The integrator that generates ground truth in float64 (data.truthMethod 'auto'), and the one for stiff systems. */
export const TRUTH_INTEGRATOR = 'dopri8';
export const STIFF_TRUTH_INTEGRATOR = 'radau5';

/** A run's random streams, drawn from its seed in this fixed order. */
export interface RunStreams {
  /** Ground-truth trajectories (initial states, noise). */
  data: Rng;
  /** The model's weight initialisation. */
  initSeed: number;
  /** Training batches. */
  batch: Rng;
  /** Evaluation (fresh states, energy starts). */
  eval: Rng;
}

export function runStreams(seed: number): RunStreams {
  const root = new Rng(seed);
  const data = root.fork();
  const initSeed = root.uint32();
  const batch = root.fork();
  const evalRng = root.fork();
  return { data, initSeed, batch, eval: evalRng };
}

/** `integrator`, following the system's events when it has some (core/ode/event-chain.ts). */
export function forSystem(integrator: Integrator, system: System): Integrator {
  return system.event ? withEvents(integrator, system.event) : integrator;
}

/** The name of the ground-truth method: data.truthMethod, where 'auto' is radau5 for a stiff system and dopri8 otherwise. */
export function truthMethodName(r: ResolvedExperiment, system: System): string {
  if (r.data.truthMethod !== 'auto') return r.data.truthMethod;
  return system.stiff ? STIFF_TRUTH_INTEGRATOR : TRUTH_INTEGRATOR;
}

/** The float64 ground-truth integrator at the data section's tolerances (a stiff system's Jacobian for implicit ones). */
export function truthIntegrator(registry: Registry, r: ResolvedExperiment, system: System): Integrator {
  const plugin = registry.get('integrator', truthMethodName(r, system), 'data.truthMethod');
  const jacobian = system.stiff?.jacobian;
  const given: Record<string, unknown> = { rtol: r.data.truthRtol, atol: r.data.truthAtol };
  if (jacobian && 'jacobian' in (plugin.options.info().fields ?? {})) given.jacobian = (t: number, x: Float64Array) => jacobian(t, x);
  const options = plugin.options.parse(given, 'data');
  return forSystem(plugin.create(options as never), system);
}

/** The experiment's integrator for training, following the system's events. */
export function trainingIntegrator(r: ResolvedExperiment, system: System): Integrator {
  return forSystem(r.integrator.plugin.create(r.integrator.options as never), system);
}

/** The experiment's integrator with the evaluation step budget (adaptive methods: eval.maxSteps). */
export function evaluationIntegrator(r: ResolvedExperiment, system: System): Integrator {
  const o = r.integrator.options;
  const options = typeof o.maxSteps === 'number' ? { ...o, maxSteps: Math.min(o.maxSteps, r.eval.maxSteps) } : o;
  return forSystem(r.integrator.plugin.create(options as never), system);
}

/** The experiment's model for `system`, initialised from `seed`. */
export function createModel(r: ResolvedExperiment, system: System, seed: number): Model {
  return r.model.plugin.create(r.model.options as never, {
    stateDim: system.stateDim,
    coordinates: system.mechanical?.coordinates,
    angles: system.mechanical?.angles,
    seed,
  });
}
