/** The `euler` integrator plugin: core/ode/methods/euler.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.euler);
