/**
 * Forward Euler: first order, one stage. The seed's residual block x + f(x)
 * is exactly one Euler step with dt = 1.
 */
import { ButcherTableau } from '../tableau.ts';
import { fixedStepMethod } from '../method.ts';

export const eulerTableau = new ButcherTableau({ name: 'euler', c: [0], a: [[]], b: [1], order: 1 });

export const euler = fixedStepMethod(eulerTableau, 'Forward Euler, order 1, fixed step');
