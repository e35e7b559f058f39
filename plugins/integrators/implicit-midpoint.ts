/** The `implicit-midpoint` integrator plugin: core/ode/methods/implicit-midpoint.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.implicitMidpoint);
