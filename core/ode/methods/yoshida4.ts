/**
 * Yoshida's fourth-order symplectic method (Yoshida 1990; Forest & Ruth
 * 1990): three velocity Verlet substeps of sizes w1 h, w0 h, w1 h with
 * w1 = 1 / (2 − 2^(1/3)), w0 = −2^(1/3) w1 (the symmetric "triple jump"
 * composition; Hairer, Lubich & Wanner, II.4). Three force evaluations per
 * step; separable systems only, as leapfrog.
 */
import { separableMethod } from '../symplectic.ts';

export const YOSHIDA_W1 = 1 / (2 - 2 ** (1 / 3));
export const YOSHIDA_W0 = -(2 ** (1 / 3)) * YOSHIDA_W1;

export const yoshida4 = separableMethod(
  'yoshida4',
  4,
  [YOSHIDA_W1, YOSHIDA_W0, YOSHIDA_W1],
  "Yoshida's triple-jump composition of leapfrog, order 4, fixed step, symplectic; separable systems only",
);
