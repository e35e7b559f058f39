/**
 * Dormand-Prince 5(4) (Dormand & Prince, J. Comp. Appl. Math. 6, 1980;
 * Hairer, Nørsett & Wanner, Solving ODEs I, §II.5, Table 5.2): seven stages
 * with FSAL, order 5 with an embedded order-4 error estimate, and Shampine's
 * fourth-order continuous extension (HNW §II.6, the dense output of Hairer's
 * DOPRI5), used to hit output times without shortening steps.
 * torchdiffeq's and diffrax's default solver; SciPy's RK45.
 */
import { ButcherTableau } from '../tableau.ts';
import { adaptiveMethod } from '../method.ts';

const b = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
// Coefficients of the continuous extension (Hairer's DOPRI5, CONTD5).
const d = [
  -12715105075 / 11282082432, 0, 87487479700 / 32700410799, -10690763975 / 1880347072,
  701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423,
];

export const dopri5Tableau = new ButcherTableau({
  name: 'dopri5',
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b,
  order: 5,
  bHat: [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40],
  embeddedOrder: 4,
  fsal: true,
  interpolant: {
    order: 4,
    // y(θ) = y0 + θ(Δ + (1-θ)(h k1 - Δ + θ(2Δ - h k1 - h k7 + (1-θ) h Σ d k))), Δ = h Σ b k.
    weights(theta) {
      const u = 1 - theta;
      return b.map((bi, i) => {
        const e1 = i === 0 ? 1 : 0;
        const e7 = i === 6 ? 1 : 0;
        return theta * (bi + u * (e1 - bi + theta * (2 * bi - e1 - e7 + u * d[i]!)));
      });
    },
  },
});

export const dopri5 = adaptiveMethod(dopri5Tableau, 'Dormand-Prince 5(4), adaptive, FSAL, 4th-order dense output');
