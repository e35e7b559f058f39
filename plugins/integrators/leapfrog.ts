/** The `leapfrog` integrator plugin: core/ode/methods/leapfrog.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.leapfrog);
