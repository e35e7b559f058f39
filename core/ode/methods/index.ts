/**
 * The built-in methods by name, as torchdiffeq's SOLVERS: what `odeint`'s
 * `method: 'dopri5'` means when no registry is involved.
 */
import { methodTable, type Method, type Methods } from '../method.ts';
import { bosh3 } from './bosh3.ts';
import { dopri5 } from './dopri5.ts';
import { dopri8 } from './dopri8.ts';
import { euler } from './euler.ts';
import { heun } from './heun.ts';
import { implicitEuler } from './implicit-euler.ts';
import { implicitMidpoint } from './implicit-midpoint.ts';
import { leapfrog } from './leapfrog.ts';
import { midpoint } from './midpoint.ts';
import { radau5 } from './radau5.ts';
import { rk4 } from './rk4.ts';
import { trapezoid } from './trapezoid.ts';
import { tsit5 } from './tsit5.ts';
import { yoshida4 } from './yoshida4.ts';

export { bosh3Tableau } from './bosh3.ts';
export { dopri5Tableau } from './dopri5.ts';
export { dopri8Tableau } from './dopri8.ts';
export { eulerTableau } from './euler.ts';
export { heunTableau } from './heun.ts';
export { midpointTableau } from './midpoint.ts';
export { rk4Tableau } from './rk4.ts';
export { tsit5Tableau } from './tsit5.ts';

export const SOLVERS = { euler, midpoint, heun, rk4, bosh3, dopri5, tsit5, dopri8, leapfrog, yoshida4, implicitMidpoint, implicitEuler, trapezoid, radau5 } as const satisfies Record<string, Method>;

export const builtinMethods: Methods = methodTable(Object.values(SOLVERS) as Method[]);
