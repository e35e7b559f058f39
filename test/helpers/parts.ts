/** Build the training parts of a resolved experiment, as the runner does. */
import { createRegistry, generateDataset, Rng, type ResolvedExperiment } from 'odelab';

export function buildParts(r: ResolvedExperiment, seed = r.seed) {
  const registry = createRegistry();
  const root = new Rng(seed);
  const system = r.system.plugin.create(r.system.options as never);
  const span = r.data.timeSpan ?? system.timeSpan;
  const truth = registry.get('integrator', 'rk4').create({ step: span / (r.data.points - 1) / r.data.truthSubsteps } as never);
  const dataset = generateDataset(system, truth, r.data, root.fork());
  const model = r.model.plugin.create(r.model.options as never, { stateDim: system.stateDim, seed: root.uint32() });
  return {
    model,
    integrator: r.integrator.plugin.create(r.integrator.options as never),
    gradient: r.gradient.plugin.create(r.gradient.options as never),
    dataset,
    data: r.data,
    train: r.train,
    rng: root.fork(),
  };
}
