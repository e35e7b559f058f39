/** The `yoshida4` integrator plugin: core/ode/methods/yoshida4.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.yoshida4);
