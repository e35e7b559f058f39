/** The `bosh3` integrator plugin: core/ode/methods/bosh3.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.bosh3);
