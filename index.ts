/**
 * The `odelab` package: the public API of core plus the built-in plugins.
 * Experiment files and third-party plugins import from here.
 */
import { builtinPlugins } from './plugins/index.ts';
import { createOdeint, Registry } from './core/index.ts';

export * from './core/index.ts';
export { builtinPlugins };

/** A fresh registry with every built-in plugin registered. */
export function createRegistry(): Registry {
  return Registry.with(builtinPlugins);
}

/**
 * The registry `odeint` resolves method names in: the built-ins. Register
 * your own integrator plugins here to use them by name with `odeint`.
 */
export const defaultRegistry: Registry = createRegistry();

export const { odeint, odeintWithStats, odeint64, odeintAdjoint, odeintAdjointWithStats } = createOdeint(() => defaultRegistry);
