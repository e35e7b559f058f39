// Gradients through the solver against central finite differences of a float64 copy of the model:
// backprop through rk4 (the discrete gradient), the adjoint through dopri5 (the continuous gradient),
// with a loss at several output times (the adjoint's jumps) and with a running cost (eq. 4), time-dependent f.
import test from 'ava';
import { initBackend, odeintAdjointWithStats, odeintWithStats, tf } from 'odelab';
import { createRegistry, gradientContext } from 'odelab/node';
import { finiteDifferences, relativeDistance, TIMES, tfModel } from '../../helpers/mlp64.ts';

test.before(async () => {
  await initBackend('cpu');
});

const RK4 = { method: 'rk4', step: 0.01 };
const TIGHT64 = { method: 'dopri8', rtol: 1e-12, atol: 1e-12 };
const DOPRI5 = { method: 'dopri5', rtol: 1e-7, atol: 1e-9 };

/** The flat gradient (params, then y0) of the test model's loss on the trajectory `solve` returns. */
function gradientsOf(solve: (m: ReturnType<typeof tfModel>) => { ys: tf.Tensor; cost?: tf.Scalar }): number[] {
  const m = tfModel();
  const { grads } = tf.variableGrads(() => {
    const r = solve(m);
    return m.loss(r.ys, r.cost);
  }, [...m.vars, m.y0]);
  const got = m.flatGrads(grads);
  m.dispose();
  return got;
}

for (const withCost of [false, true]) {
  const label = withCost ? 'with a running cost' : 'with losses at 4 output times';

  test.serial(`backprop through rk4 equals the finite-difference gradient of the discrete solution, ${label}`, (t) => {
    const fd = finiteDifferences(withCost, RK4);
    const got = gradientsOf((m) => odeintWithStats(m.func, m.y0, TIMES, { ...RK4, ...(withCost ? { runningCost: m.runningCost } : {}) }));
    const err = relativeDistance(got, fd);
    t.true(err < 2e-4, `relative error ${err.toExponential(2)}`);
  });

  test.serial(`the adjoint through dopri5 equals the continuous gradient, ${label}`, (t) => {
    const fd = finiteDifferences(withCost, TIGHT64);
    let stats: ReturnType<typeof odeintAdjointWithStats> | undefined;
    const got = gradientsOf((m) => (stats = odeintAdjointWithStats(m.func, m.y0, TIMES, { ...DOPRI5, params: m.vars, ...(withCost ? { runningCost: m.runningCost } : {}) })));
    const err = relativeDistance(got, fd);
    t.true(err < 2e-4, `relative error ${err.toExponential(2)}`);
    got.forEach((g, i) => t.true(Math.sign(g) === Math.sign(fd[i]!) || Math.abs(fd[i]!) < 1e-3, `sign of component ${i}`));
    t.true(stats!.backward!.nfe > 0 && stats!.forward.nfe > 0, 'both passes are counted');
  });
}

test.serial('every registered gradient strategy gives the continuous gradient through dopri5', (t) => {
  const registry = createRegistry();
  const fd = finiteDifferences(true, TIGHT64);
  const plugin = registry.get('integrator', 'dopri5');
  const options = plugin.options.parse({ rtol: 1e-7, atol: 1e-9 }, 'integrator') as Record<string, unknown>;
  for (const g of registry.list('gradient')) {
    const strategy = g.create(g.options.parse({}, 'gradient') as never, gradientContext(registry.methods(), { name: 'dopri5', options }));
    const m = tfModel();
    const { grads } = tf.variableGrads(() => {
      const traj = strategy.trajectory({ func: m.func, y0: m.y0, t: [0, 0.4, 1.1, 1.6], integrator: plugin.create(options as never), params: m.vars, runningCost: m.runningCost });
      return m.loss(traj.ys, traj.cost);
    }, [...m.vars, m.y0]);
    const err = relativeDistance(m.flatGrads(grads), fd);
    m.dispose();
    t.true(err < 5e-4, `${g.name}: relative error ${err.toExponential(2)}`);
  }
});

test.serial('a loss at one time only: the jumps at unused outputs are zero, not missing', (t) => {
  const m = tfModel();
  const at = (adjoint: boolean) =>
    m.flatGrads(
      tf.variableGrads(() => {
        const ys = adjoint
          ? odeintAdjointWithStats(m.func, m.y0, [0, 0.4, 1.1, 1.6], { ...DOPRI5, params: m.vars }).ys
          : odeintWithStats(m.func, m.y0, [0, 0.4, 1.1, 1.6], DOPRI5).ys;
        return tf.sum(tf.slice(ys, [2, 0, 0], [1, 2, 2])) as tf.Scalar;
      }, [...m.vars, m.y0]).grads,
    );
  const err = relativeDistance(at(true), at(false));
  m.dispose();
  t.true(err < 1e-3, `adjoint vs backprop ${err.toExponential(2)}`);
});

test.serial('the adjoint leaks no tensors and its gradients reach tf.variableGrads', (t) => {
  const m = tfModel();
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => m.loss(odeintAdjointWithStats(m.func, m.y0, [0, 0.4, 1.1, 1.6], { ...DOPRI5, params: m.vars }).ys), [...m.vars, m.y0]);
    t.true(Number.isFinite(value.dataSync()[0]!));
    t.is(Object.keys(grads).length, 5);
  });
  t.is(tf.memory().numTensors, before);
  m.dispose();
});

test.serial("the adjoint through a model's own vjp (the mlp plugin, fused kernels) equals backprop", (t) => {
  const registry = createRegistry();
  const mlp = registry.get('model', 'mlp');
  const model = mlp.create(mlp.options.parse({ hidden: [8], inputTransform: 'cube', init: 'normal', initStd: 0.5 }, 'model') as never, { stateDim: 2, seed: 3 });
  t.truthy(model.vjp);
  const integrator = registry.get('integrator', 'dopri5');
  const options = integrator.options.parse({ rtol: 1e-7, atol: 1e-9 }, 'integrator') as Record<string, unknown>;
  const y0 = tf.tensor2d([[2, 0], [1, 1], [-0.5, 1.5]]);
  const times = [0, 0.1, 0.2, 0.3];
  const target = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 7);
  const gradsWith = (name: string) => {
    const g = registry.get('gradient', name);
    const strategy = g.create(g.options.parse({}, 'gradient') as never, gradientContext(registry.methods(), { name: 'dopri5', options }));
    const { grads } = tf.variableGrads(() => {
      const traj = strategy.trajectory({ func: (tt, x) => model.vectorField(tt, x), vjp: model.vjp, y0, t: times, integrator: integrator.create(options as never), params: model.variables });
      return tf.mean(tf.abs(tf.sub(traj.ys, target))) as tf.Scalar;
    }, model.variables);
    return model.variables.flatMap((v) => Array.from(grads[v.name]!.dataSync()));
  };
  const err = relativeDistance(gradsWith('adjoint'), gradsWith('backprop'));
  model.dispose();
  tf.dispose([y0, target]);
  t.true(err < 2e-3, `relative distance ${err.toExponential(2)}`);
});
