// The acceleration objective: its states, its targets, its velocity warm-up,
// training that lowers the loss, and the checks that run before any work.
import test from 'ava';
import { defineExperiment, initBackend, Rng, tf, ConfigError } from 'odelab';
import { createRegistry, resolveExperiment, train } from 'odelab/node';
import { accelerationTargets, boxAt, sampleStates } from '../../../core/train/acceleration.ts';
import { instantiateSystem } from '../../../core/physics/instantiate.ts';
import { buildParts } from '../../helpers/parts.ts';

const experiment = (over: { model?: { name: string; [k: string]: unknown }; system?: { name: string; [k: string]: unknown }; train?: object } = {}) =>
  defineExperiment({
    name: 'accel-test',
    seed: 3,
    system: { name: 'pendulum' },
    model: { name: 'lnn', hidden: [16, 16], init: 'glorot-normal' },
    integrator: { name: 'rk4', step: 0.05 },
    data: { trajectories: 1, testTrajectories: 1, points: 11, timeSpan: 1, batchSize: 64 },
    train: { objective: { name: 'acceleration', qdot: [-2, 2] }, steps: 200, lr: 3e-3, logEvery: 50 },
    ...over,
  });

test.before(async () => {
  await initBackend('cpu');
});

test('states are drawn from the box; the velocity warm-up scales the velocity box from 10%', (t) => {
  const rng = new Rng(1);
  const xs = sampleStates(2, { q: [0, 1], qdot: [-3, 5] }, rng, 500);
  t.true(xs.every((x) => x[0]! >= 0 && x[0]! < 1 && x[1]! >= 0 && x[1]! < 1));
  t.true(xs.every((x) => x[2]! >= -3 && x[2]! < 5 && x[3]! >= -3 && x[3]! < 5));
  const objective = { name: 'acceleration' as const, q: [0, 1], qdot: [-10, 10], velocityWarmup: 100 };
  t.deepEqual(boxAt(objective, 0).qdot, [-1, 1]);
  t.deepEqual(boxAt(objective, 50).qdot, [-5.5, 5.5]);
  t.deepEqual(boxAt(objective, 100).qdot, [-10, 10]);
  t.deepEqual(boxAt({ ...objective, velocityWarmup: 0 }, 0).qdot, [-10, 10]);
});

test('targets are the true accelerations of the float64 system', (t) => {
  const reg = createRegistry();
  const p = reg.get('system', 'double-pendulum');
  const system = instantiateSystem(p, p.options.parse({}, 'system'));
  const states = sampleStates(2, { q: [0, 6], qdot: [-10, 10] }, new Rng(2), 20);
  const { x, target } = accelerationTargets(system, states);
  const want = states.flatMap((s) => Array.from(system.derivative(0, s).subarray(2)));
  const got = Array.from(target.dataSync());
  got.forEach((g, i) => t.true(Math.abs(g - want[i]!) <= 1e-6 * Math.max(1, Math.abs(want[i]!))));
  t.deepEqual(x.shape, [20, 4]);
  x.dispose();
  target.dispose();
});

for (const model of [
  { name: 'lnn', hidden: [16, 16], init: 'glorot-normal' },
  { name: 'mlp', hidden: [16, 16], activation: 'softplus', output: 'acceleration' },
]) {
  test.serial(`a short acceleration-mode run of ${model.name} on the pendulum lowers the loss, leaking no tensors`, async (t) => {
    const r = resolveExperiment(experiment({ model }), createRegistry());
    const parts = buildParts(r);
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    await train(parts, { onStep: (s) => void losses.push(s.loss) });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 20));
    const last = mean(losses.slice(-20));
    t.true(last < 0.7 * first, `loss ${first} → ${last}`);
    t.true(tf.memory().numTensors <= before + 2 * parts.model.variables.length + 1);
    parts.model.dispose();
  });
}

test('the acceleration objective is checked before work starts', (t) => {
  const reg = createRegistry();
  const bad = (over: Parameters<typeof experiment>[0], path: string, words: RegExp) => {
    const e = t.throws(() => resolveExperiment(experiment(over), reg), { instanceOf: ConfigError });
    t.is(e!.path, path);
    t.regex(e!.message, words);
  };
  bad({ system: { name: 'spiral' }, model: { name: 'mlp', output: 'acceleration' } }, 'train.objective.name', /mechanical system/);
  bad({ model: { name: 'mlp' } }, 'train.objective.name', /model.output = 'acceleration'/);
  bad({ train: { objective: { name: 'acceleration', qdot: [3, -3] } } }, 'train.objective.qdot', /low < high/);
  bad({ model: { name: 'lnn', angleInput: 'sin-cos', inputScale: [1, 1] } }, 'model.inputScale', /3 entries \(one per network input: cos and sin of each angle/);
  bad({ model: { name: 'lnn', inputScale: [1, 1, 1] } }, 'model.inputScale', /2 entries/);
});
