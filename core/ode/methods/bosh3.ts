/**
 * Bogacki-Shampine 3(2) (Bogacki & Shampine, "A 3(2) pair of Runge-Kutta
 * formulas", Appl. Math. Lett. 2(4), 1989): four stages with FSAL, order 3
 * with an embedded order-2 error estimate; cubic Hermite dense output.
 * MATLAB's ode23 and torchdiffeq's bosh3.
 */
import { ButcherTableau } from '../tableau.ts';
import { hermiteInterpolant } from '../hermite-interpolant.ts';
import { adaptiveMethod } from '../method.ts';

const b = [2 / 9, 1 / 3, 4 / 9, 0];

export const bosh3Tableau = new ButcherTableau({
  name: 'bosh3',
  c: [0, 1 / 2, 3 / 4, 1],
  a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b,
  order: 3,
  bHat: [7 / 24, 1 / 4, 1 / 3, 1 / 8],
  embeddedOrder: 2,
  fsal: true,
  interpolant: hermiteInterpolant(b),
});

export const bosh3 = adaptiveMethod(bosh3Tableau, 'Bogacki-Shampine 3(2), adaptive, FSAL, Hermite dense output');
