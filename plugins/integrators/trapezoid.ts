/** The `trapezoid` integrator plugin: core/ode/methods/trapezoid.ts as a registry entry. */
import { integratorPlugin, SOLVERS } from 'odelab/plugin';

export default integratorPlugin(SOLVERS.trapezoid);
