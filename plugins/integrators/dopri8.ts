/** The `dopri8` integrator plugin: core/ode/methods/dopri8.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.dopri8);
