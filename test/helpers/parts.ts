/** Build the training parts of a resolved experiment, as the runner does. */
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import { Rng } from 'odelab';
import { createRegistry, generateDataset, gradientContext, type ResolvedExperiment } from 'odelab/node';

export function buildParts(r: ResolvedExperiment, seed = r.seed) {
  const registry = createRegistry();
  const root = new Rng(seed);
  const system = instantiateSystem(r.system.plugin, r.system.options as never);
  const truthPlugin = registry.get('integrator', 'dopri8');
  const truth = truthPlugin.create(truthPlugin.options.parse({ rtol: r.data.truthRtol, atol: r.data.truthAtol }, 'data') as never);
  const dataset = generateDataset(system, truth, r.data, root.fork());
  const model = r.model.plugin.create(r.model.options as never, {
    stateDim: system.stateDim,
    coordinates: system.mechanical?.coordinates,
    angles: system.mechanical?.angles,
    seed: root.uint32(),
  });
  return {
    model,
    integrator: r.integrator.plugin.create(r.integrator.options as never),
    gradient: r.gradient.plugin.create(r.gradient.options as never, gradientContext(registry.methods(), { name: r.integrator.name, options: r.integrator.options })),
    dataset,
    system,
    data: r.data,
    train: r.train,
    rng: root.fork(),
  };
}
