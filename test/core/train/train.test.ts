import test from 'ava';
import { initBackend, tf } from 'odelab';
import { applyOverrides, createRegistry, resolveExperiment, train, evaluate } from 'odelab/node';
import tiny from '../../fixtures/experiments/tiny.ts';
import { buildParts } from '../../helpers/parts.ts';

test.before(async () => {
  await initBackend('cpu');
});

const resolve = (...sets: string[]) => resolveExperiment(applyOverrides(tiny, sets), createRegistry());

test.serial('training and evaluation leak no tensors', async (t) => {
  const parts = buildParts(resolve());
  const before = tf.memory().numTensors;
  await train(parts);
  evaluate(parts.model, parts.integrator, parts.dataset, parts.data, parts.train);
  t.is(tf.memory().numTensors, before);
  parts.model.dispose();
  t.is(tf.memory().numTensors, before - parts.model.variables.length);
});

test.serial('the same seed gives the same losses; another seed does not', async (t) => {
  const losses = async (seed: number) => {
    const parts = buildParts(resolve(), seed);
    const out: number[] = [];
    await train(parts, { onStep: (s) => void out.push(s.loss) });
    parts.model.dispose();
    return out;
  };
  const a = await losses(7);
  t.deepEqual(await losses(7), a);
  t.notDeepEqual(await losses(8), a);
});

test.serial('a short training run lowers the loss, with rmsprop and a schedule too', async (t) => {
  for (const sets of [[], ['train.optimizer={"name":"rmsprop"}', 'train.schedule={"name":"cosine","minLr":0.001}']]) {
    const parts = buildParts(resolve('train.steps=60', 'train.lr=0.01', ...sets));
    const out: number[] = [];
    await train(parts, { onStep: (s) => void out.push(s.loss) });
    parts.model.dispose();
    const head = out.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = out.slice(-5).reduce((a, b) => a + b) / 5;
    t.true(tail < 0.7 * head, `${sets.join(' ')}: loss ${head.toFixed(4)} -> ${tail.toFixed(4)}`);
  }
});

test.serial('the learning-rate schedule is applied step by step', async (t) => {
  const parts = buildParts(resolve('train.steps=5', 'train.schedule={"name":"step","gamma":0.5,"every":2}'));
  const lrs: number[] = [];
  await train(parts, { onStep: (s) => void lrs.push(s.lr) });
  parts.model.dispose();
  t.deepEqual(lrs, [0.01, 0.01, 0.005, 0.005, 0.0025]);
});

test.serial('a stop request ends training before the next step', async (t) => {
  const parts = buildParts(resolve());
  let steps = 0;
  const result = await train(parts, { onStep: () => void steps++, shouldStop: () => (steps >= 3 ? 'SIGINT' : undefined) });
  parts.model.dispose();
  t.is(result.steps, 3);
  t.is(result.stoppedBy, 'SIGINT');
});
