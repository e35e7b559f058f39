/**
 * A System from a system plugin: `create` returns either a System or a
 * LagrangianSpec (physics given by its Lagrangian alone), told apart by the
 * spec's `lagrangian` function. A spec's plot labels (names and units) pass
 * on to its System.
 */
import type { Infer, ObjectSchema, Shape } from '../schema.ts';
import type { SystemPlugin } from '../registry/plugin.ts';
import type { System } from '../system.ts';
import { isLagrangianSpec, lagrangianSystem } from './lagrangian.ts';

/**
 * Create the plugin's System.
 * @param plugin a system plugin.
 * @param options its options, already validated (`plugin.options.parse(...)`).
 * @returns the System `create` returned, or `lagrangianSystem` of its LagrangianSpec.
 */
export function instantiateSystem<S extends Shape>(plugin: SystemPlugin<S>, options: Infer<ObjectSchema<S>>): System {
  const made = plugin.create(options);
  if (!isLagrangianSpec(made)) return made;
  const system = lagrangianSystem(made);
  return made.labels ? { ...system, labels: made.labels } : system;
}
