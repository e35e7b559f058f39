/**
 * The `odelab` package: the public API of core plus the built-in plugins.
 * Experiment files and third-party plugins import from here.
 */
export * from './core/index.ts';
export { builtinPlugins } from './plugins/index.ts';
import { builtinPlugins } from './plugins/index.ts';
import { Registry } from './core/index.ts';

/** A fresh registry with every built-in plugin registered. */
export function createRegistry(): Registry {
  return Registry.with(builtinPlugins);
}
