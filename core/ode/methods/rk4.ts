/**
 * The classical fourth-order Runge-Kutta method (Kutta 1901; Hairer, Nørsett
 * & Wanner, Solving ODEs I, Table 1.2, left): four stages, order 4.
 */
import { ButcherTableau } from '../tableau.ts';
import { fixedStepMethod } from '../method.ts';

export const rk4Tableau = new ButcherTableau({
  name: 'rk4',
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  order: 4,
});

export const rk4 = fixedStepMethod(rk4Tableau, 'Classical Runge-Kutta, order 4, fixed step');
