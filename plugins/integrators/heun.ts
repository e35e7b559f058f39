/** The `heun` integrator plugin: core/ode/methods/heun.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.heun);
