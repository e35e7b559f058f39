/** The `radau5` integrator plugin: core/ode/methods/radau5.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.radau5);
