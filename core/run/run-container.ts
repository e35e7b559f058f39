/**
 * The parts of a run, assembled in one tsyringe container: the plugin
 * registry, the tracker, the progress reporter, the backend name, the clock
 * and the ExperimentRunner built from them.
 *
 * `odelab run`, a sweep's trials and odelab/node users all get their runner
 * here, so a part is swapped in one way: register another value under its
 * token (a fake tracker, a fixed clock) in the container, or in a child of
 * it, before resolving the runner. The runner is made by a factory from the
 * tokens at resolve time (no decorators, no emitted metadata), so whatever
 * is registered last is what the run uses:
 *
 *   const parts = runContainer({ registry, tracker, backend: 'cpu' });
 *   parts.register(TOKENS.Clock, { useValue: { now: () => Date.UTC(2030, 0, 1) } });
 *   await resolveRunner(parts).run({ loaded });
 *
 * This is the one module that imports tsyringe, and so the one that loads
 * its reflect-metadata polyfill (tsyringe refuses to load without it).
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Registry } from '../registry/registry.ts';
import type { ConcreteBackend } from '../tensor/backend.ts';
import type { Tracker } from '../track/tracker.ts';
import { silentReporter, type ProgressReporter } from './reporter.ts';
import { ExperimentRunner, systemClock, type Clock } from './runner.ts';

/** The tokens of a run's parts. */
export const TOKENS = {
  /** Registry: the plugins. */
  Registry: 'odelab.Registry',
  /** Tracker: where the run is logged. */
  Tracker: 'odelab.Tracker',
  /** ProgressReporter: what the user sees while it runs. */
  Reporter: 'odelab.Reporter',
  /** ConcreteBackend: the tensor backend the run reports (already initialised; optional, a request may name it). */
  Backend: 'odelab.Backend',
  /** Clock: the runner's times (start time, run name, durations). */
  Clock: 'odelab.Clock',
  /** ExperimentRunner: made from the tokens above at resolve time. */
  Runner: 'odelab.Runner',
} as const;

export interface RunParts {
  registry: Registry;
  tracker: Tracker;
  /** Default: silent. */
  reporter?: ProgressReporter;
  /** Default: none (each request names its backend). */
  backend?: ConcreteBackend;
  /** Default: the system clock. */
  clock?: Clock;
}

/** A child container of `parent` (default: tsyringe's root) holding a run's parts and the runner's factory. */
export function runContainer(parts: RunParts, parent: DependencyContainer = rootContainer): DependencyContainer {
  const c = parent.createChildContainer();
  c.register<Registry>(TOKENS.Registry, { useValue: parts.registry });
  c.register<Tracker>(TOKENS.Tracker, { useValue: parts.tracker });
  c.register<ProgressReporter>(TOKENS.Reporter, { useValue: parts.reporter ?? silentReporter });
  c.register<Clock>(TOKENS.Clock, { useValue: parts.clock ?? systemClock });
  if (parts.backend) c.register<ConcreteBackend>(TOKENS.Backend, { useValue: parts.backend });
  c.register<ExperimentRunner>(TOKENS.Runner, {
    useFactory: (d) =>
      new ExperimentRunner(d.resolve<Registry>(TOKENS.Registry), d.resolve<Tracker>(TOKENS.Tracker), d.resolve<ProgressReporter>(TOKENS.Reporter), {
        clock: d.resolve<Clock>(TOKENS.Clock),
        backend: d.isRegistered(TOKENS.Backend, true) ? d.resolve<ConcreteBackend>(TOKENS.Backend) : undefined,
      }),
  });
  return c;
}

/** The runner of a run container (or of a child holding overrides): a new one, from the parts registered now. */
export function resolveRunner(c: DependencyContainer): ExperimentRunner {
  return c.resolve<ExperimentRunner>(TOKENS.Runner);
}
