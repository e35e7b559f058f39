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

/** The integrator that generates ground truth in float64. */
export const TRUTH_INTEGRATOR = 'dopri8';

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

/** The float64 ground-truth integrator at the data section's tolerances. */
export function truthIntegrator(registry: Registry, r: ResolvedExperiment, system: System): Integrator {
  const plugin = registry.get('integrator', TRUTH_INTEGRATOR);
  const options = plugin.options.parse({ rtol: r.data.truthRtol, atol: r.data.truthAtol }, 'data');
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
