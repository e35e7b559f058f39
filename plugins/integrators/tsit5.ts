/** The `tsit5` integrator plugin: core/ode/methods/tsit5.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.tsit5);
