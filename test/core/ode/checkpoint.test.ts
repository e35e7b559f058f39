// Checkpointed backprop (core/ode/checkpoint*.ts) against backprop on tfjs's tape (float32) and against
// forward-mode derivatives of the same float64 discrete solve (1e-10), for every registered explicit method,
// fixed-step and adaptive, with few snapshots (so that steps are recomputed, binomially or online).
import test from 'ava';
import { initBackend, tf } from 'odelab';
import { createRegistry } from 'odelab/node';
import { backpropTrajectory } from '../../../core/ode/backprop.ts';
import { binomialPlacement, binomialSteps, everyBoundary, onlinePlacement, splitPoint, type Placement } from '../../../core/ode/checkpoint-schedule.ts';
import { CheckpointTape } from '../../../core/ode/checkpoint-tape.ts';
import { hostAlgebra } from '../../../core/ode/checkpoint-values.ts';
import { checkpointTrajectory, countSteps } from '../../../core/ode/checkpoint.ts';
import type { Integrator } from '../../../core/ode/types.ts';
import { relativeDistance, TIMES, tfModel } from '../../helpers/mlp64.ts';
import { explicitMethods, forwardModeDerivative, integratorOf, lossWeights, testField, tangentDirection } from './checkpoint-reference64.ts';

test.before(async () => {
  await initBackend('cpu');
});

const registry = createRegistry();

test('the binomial split reverses l steps with s snapshots within the repetitions β promises', (t) => {
  t.is(binomialSteps(3, 2), 10);
  t.is(binomialSteps(0, 5), 1);
  for (const [l, s] of [[10, 3], [100, 5], [7, 1], [2, 1], [10000, 63]] as const) {
    const m = splitPoint(l, s);
    t.true(m >= 1 && m < l, `split ${m} of ${l}`);
  }
  // Revolve's forward sweep keeps at most `slots` snapshots.
  const p = binomialPlacement(1000, 10);
  t.is(Array.from({ length: 1000 }, (_, b) => p.store(b)).filter(Boolean).length, 10);
  const o = onlinePlacement(4);
  let held = 0;
  for (let b = 1; b <= 1000; b++) {
    if (o.store(b)) held++;
    held -= o.drop().length;
    t.true(held <= 4);
  }
});

test('countSteps counts a fixed-step integrator\'s steps and declines adaptive ones', (t) => {
  const rk4 = registry.get('integrator', 'rk4');
  t.is(countSteps(rk4.create(rk4.options.parse({ step: 0.1 }, 'integrator') as never), [0, 0.35, 1]), 4 + 7);
  t.is(countSteps(integratorOf(registry, 'dopri5'), [0, 1]), null);
});

/** The tape's float64 gradient of Σ w·ys through `integ`, for placement `p` with `slots` snapshots. */
function tapeGradient(integ: Integrator, p: Placement, slots: number) {
  const f = testField();
  const tape = new CheckpointTape(f.grad, hostAlgebra('float64'), p, slots);
  const ys = tape.forward(integ, f.y0, TIMES);
  const w = lossWeights(ys.length, f.y0.length);
  const dy0 = tape.backward((i) => w[i]);
  tape.dispose();
  return { dy0, dTheta: f.dTheta, stats: tape.stats, w, field: f };
}

for (const name of explicitMethods(registry)) {
  test(`checkpoint equals forward-mode derivatives of the float64 discrete solve to 1e-10: ${name}`, (t) => {
    const integ = integratorOf(registry, name);
    const steps = countSteps(integ, TIMES);
    for (const [label, p, slots] of [
      ['2 snapshots', steps === null ? onlinePlacement(1) : binomialPlacement(steps + 1, 2), 2],
      ['5 snapshots', steps === null ? onlinePlacement(2) : binomialPlacement(steps + 1, 5), 5],
      ['every step', everyBoundary, Infinity],
    ] as const) {
      const g = tapeGradient(integ, p, slots);
      for (let k = 0; k < 3; k++) {
        const dir = tangentDirection(k, g.field);
        const want = forwardModeDerivative(integ, dir, g.w);
        const got = g.dy0.reduce((a, v, i) => a + v * dir.dy0[i]!, 0) + g.dTheta.reduce((a, v, i) => a + v * dir.dTheta[i]!, 0);
        const err = Math.abs(got - want) / Math.abs(want);
        t.true(err < 1e-10, `${label}, direction ${k}: ${got} vs ${want} (relative ${err.toExponential(2)})`);
      }
      if (slots === 2) t.true(g.stats.backwardNfe > g.stats.nfe, `${label}: steps are recomputed (${g.stats.backwardNfe} vs ${g.stats.nfe} forward)`);
    }
  });
}

/** The flat gradient (params, then y0) of the helper model's loss through `strategy`. */
function gradientsOf(strategy: 'backprop' | 'checkpoint', integ: Integrator, withCost: boolean): number[] {
  const m = tfModel();
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const req = { func: m.func, y0: m.y0, t: TIMES, integrator: integ, params: m.vars, ...(withCost ? { runningCost: m.runningCost } : {}) };
    const r = strategy === 'backprop' ? backpropTrajectory(req) : checkpointTrajectory(req, { checkpoints: 3 });
    return m.loss(r.ys, r.cost);
  }, [...m.vars, m.y0]);
  const got = m.flatGrads(grads);
  tf.dispose([value, ...Object.values(grads)]);
  if (strategy === 'checkpoint') {
    // Nothing of the tape outlives the gradient.
    if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
  }
  m.dispose();
  return got;
}

for (const name of ['rk4', 'dopri5', 'dopri8']) {
  for (const withCost of [false, true]) {
    test.serial(`checkpoint equals backprop on the tfjs tape to float32 rounding: ${name}${withCost ? ', running cost' : ''}`, (t) => {
      const p = registry.get('integrator', name);
      const integ = p.create(p.options.parse(p.adaptive ? { rtol: 1e-6, atol: 1e-8 } : { step: 0.05 }, 'integrator') as never) as Integrator;
      const want = gradientsOf('backprop', integ, withCost);
      const got = gradientsOf('checkpoint', integ, withCost);
      const err = relativeDistance(got, want);
      // float32 rounding of the same operations in another order: ~1e-7; a wrong cotangent is off by order 1.
      t.true(err < 2e-5, `relative distance ${err.toExponential(2)}`);
    });
  }
}

test('implicit and separable methods are refused with a clear error', (t) => {
  for (const name of ['implicit-euler', 'leapfrog']) {
    const f = testField();
    const tape = new CheckpointTape(f.grad, hostAlgebra('float64'), everyBoundary, Infinity);
    const e = t.throws(() => tape.forward(integratorOf(registry, name), f.y0, TIMES));
    t.regex(e!.message, /explicit Runge-Kutta/);
  }
});
