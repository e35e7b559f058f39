/**
 * Every built-in plugin: the one list. Tests iterate over the registry built
 * from it, never over a second hand-kept list.
 */
import type { Plugin } from '../core/index.ts';
import euler from './integrators/euler.ts';
import rk4 from './integrators/rk4.ts';

export const builtinPlugins: readonly Plugin[] = [euler, rk4];
