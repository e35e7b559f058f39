// The checkpoint and symplectic-adjoint gradient plugins through the registry, as an experiment uses them: the mlp
// model's host field (backprop's host path) and its tfjs field (the tensor path, with the model's own vjp), fixed-step
// and adaptive, against backprop; their options; snapshots bounded by the budget.
import test from 'ava';
import { initBackend, tf } from 'odelab';
import { createRegistry, gradientContext } from 'odelab/node';
import type { Trajectory } from 'odelab/plugin';
import type { ReplayStats } from '../../core/ode/checkpoint.ts';
import { relativeDistance } from '../helpers/mlp64.ts';

const registry = createRegistry();

test.before(async () => {
  await initBackend('cpu');
});

const CASES = [
  { integrator: 'rk4', options: { step: 0.01 } },
  { integrator: 'dopri5', options: { rtol: 1e-6, atol: 1e-8 } },
] as const;

function gradientsWith(name: string, gradientOptions: object, c: (typeof CASES)[number], host: boolean) {
  const mlp = registry.get('model', 'mlp');
  const model = mlp.create(mlp.options.parse({ hidden: [16], init: 'normal', initStd: 0.5 }, 'model') as never, { stateDim: 2, seed: 3 });
  const integ = registry.get('integrator', c.integrator);
  const options = integ.options.parse(c.options, 'integrator') as Record<string, unknown>;
  const g = registry.get('gradient', name);
  const strategy = g.create(g.options.parse(gradientOptions, 'gradient') as never, gradientContext(registry.methods(), { name: c.integrator, options }));
  const y0 = tf.tensor2d([[1, 0], [0.5, 1], [-0.5, 1.5]]);
  const target = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 7);
  let traj: Trajectory | undefined;
  const { value, grads } = tf.variableGrads(() => {
    traj = strategy.trajectory({
      func: (tt, x) => model.vectorField(tt, x),
      vjp: model.vjp,
      ...(host ? { hostField: model.hostField } : {}),
      y0,
      t: [0, 0.3, 0.7, 1],
      integrator: integ.create(options as never),
      params: model.variables,
    });
    return tf.mean(tf.square(tf.sub(traj.ys, target))) as tf.Scalar;
  }, model.variables);
  const out = model.variables.flatMap((v) => Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, y0, target, ...Object.values(grads)]);
  model.dispose();
  return { grads: out, traj: traj as Trajectory & { replay?: ReplayStats } };
}

for (const c of CASES) {
  for (const host of [true, false]) {
    const where = host ? 'host field' : 'tensors';
    test.serial(`checkpoint and symplectic-adjoint equal backprop through ${c.integrator} (${where})`, (t) => {
      const want = gradientsWith('backprop', {}, c, host).grads;
      for (const [name, options] of [['checkpoint', { checkpoints: 4 }], ['checkpoint', { memoryMiB: 0.0001 }], ['symplectic-adjoint', {}]] as const) {
        const { grads, traj } = gradientsWith(name, options, c, host);
        const err = relativeDistance(grads, want);
        t.true(err < (host ? 1e-5 : 3e-5), `${name} ${JSON.stringify(options)}: relative distance ${err.toExponential(2)}`);
        const tape = traj.replay!.tape!;
        if (name === 'checkpoint' && 'checkpoints' in options) t.true(tape.peakSnapshotValues <= 4 * 2 + 4 + 2, `${tape.peakSnapshotValues} values held`);
        if (name === 'symplectic-adjoint') t.true(tape.peakSnapshotValues >= tape.steps, 'a state per step');
        t.true(traj.backward!.nfe > 0);
      }
    });
  }
}

test('checkpoint takes checkpoints or a memory budget, not both', (t) => {
  const g = registry.get('gradient', 'checkpoint');
  const ctx = gradientContext(registry.methods(), { name: 'rk4', options: {} });
  t.throws(() => g.create(g.options.parse({ checkpoints: 4, memoryMiB: 1 }, 'gradient') as never, ctx), { message: /either checkpoints or memoryMiB/ });
  t.throws(() => g.options.parse({ checkpoints: 1 }, 'gradient'));
  t.throws(() => g.options.parse({ every: 3 }, 'gradient'));
  t.truthy(registry.get('gradient', 'symplectic-adjoint'));
});
