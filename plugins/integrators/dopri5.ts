/** The `dopri5` integrator plugin: core/ode/methods/dopri5.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.dopri5);
