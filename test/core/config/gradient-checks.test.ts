/**
 * Gradient strategies checked against the integrator and their own options
 * when an experiment is resolved (exit 2 before any work): the replaying
 * strategies refuse implicit and separable-only methods, checkpoint refuses
 * both of its budgets at once.
 */
import test from 'ava';
import { ConfigError } from 'odelab';
import { createRegistry, resolveExperiment } from 'odelab/node';
import tiny from '../../fixtures/experiments/tiny.ts';

const registry = createRegistry();
const resolve = (gradient: object, integrator: object = tiny.integrator as object) => resolveExperiment({ ...tiny, gradient, integrator }, registry);
/** The path of the ConfigError f throws (or what happened instead). */
function pathOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof ConfigError ? e.path : `not a ConfigError: ${String(e)}`;
  }
  return 'no error';
}

test('checkpoint and symplectic-adjoint take explicit methods only', (t) => {
  for (const name of ['checkpoint', 'symplectic-adjoint']) {
    for (const integrator of [{ name: 'implicit-euler', step: 0.1 }, { name: 'trapezoid' }, { name: 'implicit-midpoint' }]) {
      t.is(pathOf(() => resolve({ name }, integrator)), 'gradient.name', `${name} with ${integrator.name}`);
    }
    for (const integrator of [{ name: 'rk4' }, { name: 'dopri5' }, { name: 'tsit5', rtol: 1e-6 }]) t.notThrows(() => resolve({ name }, integrator));
  }
  // backprop and the adjoint take the implicit methods.
  t.notThrows(() => resolve({ name: 'backprop' }, { name: 'implicit-euler', step: 0.1 }));
  t.notThrows(() => resolve({ name: 'adjoint' }, { name: 'trapezoid', step: 0.1 }));
});

test("checkpoint's two budgets are exclusive", (t) => {
  t.is(pathOf(() => resolve({ name: 'checkpoint', checkpoints: 8, memoryMiB: 1 })), 'gradient.memoryMiB');
  t.notThrows(() => resolve({ name: 'checkpoint', memoryMiB: 1 }));
});
