/** The `rk4` integrator plugin: core/ode/methods/rk4.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.rk4);
