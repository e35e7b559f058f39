/** Built-in systems and the float64 ground-truth integrator, as tests build them from the registry. */
import type { System } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import type { Integrator } from '../../core/ode/types.ts';

const registry = createRegistry();

/** A built-in system with its options validated as an experiment's would be. */
export function builtinSystem(name: string, options: Record<string, unknown> = {}): System {
  const p = registry.get('system', name);
  return instantiateSystem(p, p.options.parse(options, 'system') as never);
}

/** dopri8 in float64, the runner's ground truth, at the given tolerances. */
export function dopri8(rtol: number, atol = rtol): Integrator {
  const p = registry.get('integrator', 'dopri8');
  return p.create(p.options.parse({ rtol, atol }, 'integrator') as never) as Integrator;
}
