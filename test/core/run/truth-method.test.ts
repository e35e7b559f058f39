/**
 * The ground truth's method (data.truthMethod): dopri8 for ordinary
 * systems, radau5 with the system's exact Jacobian for stiff ones ('auto'),
 * or a named adaptive method; anything else is refused before any work.
 */
import test from 'ava';
import { ConfigError } from 'odelab';
import { createRegistry, resolveExperiment } from 'odelab/node';
import { float64Ops } from '../../../core/ode/float64-ops.ts';
import { truthIntegrator, truthMethodName } from '../../../core/run/run-setup.ts';
import type { System } from '../../../core/system.ts';
import tiny from '../../fixtures/experiments/tiny.ts';

const registry = createRegistry();
const resolve = (system: object, data: object = {}) => resolveExperiment({ ...tiny, system, data: { ...tiny.data, ...data } }, registry);
const systemOf = (r: ReturnType<typeof resolve>) => r.system.plugin.create(r.system.options as never) as System;

test("'auto' is dopri8 for an ordinary system and radau5 for a stiff one", (t) => {
  const spiral = resolve({ name: 'spiral' });
  t.is(truthMethodName(spiral, systemOf(spiral)), 'dopri8');
  for (const name of ['robertson', 'van-der-pol-stiff', 'stiff-spring-chain']) {
    const r = resolve({ name });
    t.is(truthMethodName(r, systemOf(r)), 'radau5', name);
  }
  const named = resolve({ name: 'robertson' }, { truthMethod: 'dopri5' });
  t.is(truthMethodName(named, systemOf(named)), 'dopri5');
});

test('the stiff Van der Pol (mu = 1000) gets its ground truth over two periods, with the exact Jacobian', (t) => {
  const r = resolve({ name: 'van-der-pol-stiff' });
  const system = systemOf(r);
  const integrator = truthIntegrator(registry, r, system);
  const sol = integrator.solve((tt, x) => system.derivative(tt, x), Float64Array.of(2, 0), [0, system.timeSpan], float64Ops);
  // After two periods the limit cycle is back near x = 2 (the period formula is asymptotic: a few % off).
  t.true(Math.abs(sol.ys[1]![0]! - 2) < 0.1, `x at two periods: ${sol.ys[1]![0]}`);
  // At the ground truth's rtol 1e-10: about 15,000 steps, where dopri8 runs out of its 100,000.
  t.true(sol.stats.steps < 30000, `${sol.stats.steps} steps`);
  // The exact Jacobian: no finite-difference evaluations beyond the steps' own.
  t.true((sol.stats.njev ?? 0) > 0);
});

test('data.truthMethod must be an adaptive method for any state, before any work', (t) => {
  for (const bad of ['rk4', 'leapfrog', 'no-such-method']) {
    const err = t.throws(() => resolve({ name: 'spiral' }, { truthMethod: bad }), { instanceOf: ConfigError });
    t.is(err!.path, 'data.truthMethod', bad);
  }
});
