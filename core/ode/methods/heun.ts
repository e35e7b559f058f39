/**
 * Heun's method, the explicit trapezoidal rule (Heun 1900; Hairer, Nørsett &
 * Wanner, Solving ODEs I, §II.1, (1.4)): two stages, order 2.
 */
import { ButcherTableau } from '../tableau.ts';
import { fixedStepMethod } from '../method.ts';

export const heunTableau = new ButcherTableau({ name: 'heun', c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2], order: 2 });

export const heun = fixedStepMethod(heunTableau, "Heun's method (explicit trapezoid), order 2, fixed step");
