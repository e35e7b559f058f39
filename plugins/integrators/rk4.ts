/**
 * The classical fourth-order Runge-Kutta method (Kutta 1901; Hairer, Nørsett
 * & Wanner, Solving ODEs I, Table 1.2, left): four stages, order 4.
 */
import { ButcherTableau, fixedStepIntegrator } from '../../core/index.ts';

export const rk4Tableau = new ButcherTableau({
  name: 'rk4',
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  order: 4,
});

export default fixedStepIntegrator(rk4Tableau, 'Classical Runge-Kutta, order 4, fixed step');
