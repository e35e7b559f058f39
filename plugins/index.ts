/**
 * Every built-in plugin: the one list. Tests iterate over the registry built
 * from it, never over a second hand-kept list.
 */
import type { Plugin } from '../core/index.ts';
import backprop from './gradients/backprop.ts';
import euler from './integrators/euler.ts';
import rk4 from './integrators/rk4.ts';
import mlp from './models/mlp.ts';
import harmonicOscillator from './systems/harmonic-oscillator.ts';
import spiral from './systems/spiral.ts';
import mlflowFile from './trackers/mlflow-file.ts';

export const builtinPlugins: readonly Plugin[] = [spiral, harmonicOscillator, mlp, euler, rk4, backprop, mlflowFile];
