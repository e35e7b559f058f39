/**
 * The explicit midpoint method (Runge 1895; Hairer, Nørsett & Wanner,
 * Solving ODEs I, §II.1, (1.3)): two stages, order 2.
 */
import { ButcherTableau } from '../tableau.ts';
import { fixedStepMethod } from '../method.ts';

export const midpointTableau = new ButcherTableau({ name: 'midpoint', c: [0, 1 / 2], a: [[], [1 / 2]], b: [0, 1], order: 2 });

export const midpoint = fixedStepMethod(midpointTableau, 'Explicit midpoint, order 2, fixed step');
