/** The `implicit-euler` integrator plugin: core/ode/methods/implicit-euler.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.implicitEuler);
