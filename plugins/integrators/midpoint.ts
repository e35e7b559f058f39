/** The `midpoint` integrator plugin: core/ode/methods/midpoint.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.midpoint);
