// The energy metric's scale per system (issue 19 item 3): max|V| for pendulums, max|E| where there
// is no potential, a system's own scale where it states one (Kepler), and the plots say which.
import test from 'ava';
import { initBackend, Rng } from 'odelab';
import { lagrangianSystem } from '../../../core/physics/lagrangian.ts';
import { energyMetric, energyScaleOf, maxAbsEnergy, potentialScale, truthRollout } from '../../../core/eval/mechanics.ts';
import { builtinSystem, dopri8 } from '../../helpers/builtins.ts';
import { energyFigure } from '../../../core/eval/mechanics-plots.ts';

const system = builtinSystem;
const truth = () => dopri8(1e-10, 1e-12);
const cfg = { energyStarts: 6, energyMaxVelocity: 0.1, energyTime: 5, energyFrames: 50 };
const metric = (sys: ReturnType<typeof system>) => energyMetric(sys, truthRollout(sys, truth()), truthRollout(sys, truth()), cfg, new Rng(1));

test.before(async () => {
  await initBackend('cpu');
});

test('pendulums keep max|V|: 29.4 for the double pendulum, and the plot says % of max|V|', (t) => {
  const r = metric(system('double-pendulum'));
  t.is(r.energyScaleKind, 'max|V|');
  t.true(Math.abs(r.eval_energy_scale - 29.4) < 0.3, `${r.eval_energy_scale}`);
  const fig = energyFigure(r);
  t.is(fig.panels[1]!.yUnit, '% of max|V|');
  t.regex(fig.panels[1]!.title!, /max\|V\| = 29\.\d/);
});

test('with no potential (free charged particle in a magnetic field) the scale is max|E| over the true rollouts, not 1', (t) => {
  const sys = system('charged-particle', { k: 0, quartic: 0, maxVelocity: 2 });
  const r = metric(sys);
  t.is(r.energyScaleKind, 'max|E|');
  t.true(r.eval_energy_scale > 0 && r.eval_energy_scale !== 1, `${r.eval_energy_scale}`);
  // E = ½ m |v|² is conserved: the scale is the largest start's kinetic energy (q̇ < 0.1: below 0.01 J).
  t.true(r.eval_energy_scale < 0.01, `${r.eval_energy_scale}`);
  t.true(r.eval_energy_error_pct < 1e-6, `${r.eval_energy_error_pct}`);
  const fig = energyFigure(r, sys);
  t.is(fig.panels[1]!.yUnit, '% of max|E|');
  t.regex(fig.panels[1]!.title!, /max\|E\| = /);
  t.regex(fig.title!, /% of max\|E\|/);
});

test("Kepler states its own scale, max|E| over the true rollouts, since V = −GM/r is unbounded", (t) => {
  const sys = system('kepler');
  const r = metric(sys);
  t.is(r.energyScaleKind, 'max|E| over the true rollouts');
  // Starts at pericentre r_p = 1 − e (e in [0, 0.6]) nearly at rest: E ≈ −GM/r_p, |E| between 1 and 2.5.
  t.true(r.eval_energy_scale >= 1 && r.eval_energy_scale < 2.6, `${r.eval_energy_scale}`);
  const states = truthRollout(sys, truth())(
    [Float64Array.of(0.5, 0, 0, 0.05)],
    Array.from({ length: 200 }, (_, i) => i * 0.01),
  ).flat();
  // What max|V| would have been: the near-radial fall's closest approach, far larger than any orbit's |E|.
  const byV = potentialScale(sys, states, new Rng(1));
  t.true(byV > 10 * maxAbsEnergy(sys, states), `max|V| ${byV} vs max|E| ${maxAbsEnergy(sys, states)}`);
  t.is(energyFigure(r, sys).panels[1]!.yUnit, '% of max|E| over the true rollouts');
});

test('a LagrangianSpec may state its energy scale (a value or a function of the true rollouts)', (t) => {
  const base = system('charged-particle');
  const spec = {
    coordinates: 1,
    lagrangian: ([q]: readonly import('odelab/plugin').Dual[], [qd]: readonly import('odelab/plugin').Dual[]) => qd!.sq().mul(0.5).sub(q!.sq().mul(0.5)),
    sampleInitialState: (rng: Rng) => Float64Array.of(rng.range(-1, 1), 0),
    timeSpan: 1,
  };
  const fixed = lagrangianSystem({ ...spec, energyScale: { value: 3, description: 'three joules' } });
  t.deepEqual(energyScaleOf(fixed, [Float64Array.of(1, 0)], new Rng(1)), { value: 3, kind: 'three joules' });
  const fn = lagrangianSystem({ ...spec, energyScale: { value: (states, energy) => 2 * Math.max(...states.map(energy)), description: 'twice max E' } });
  t.deepEqual(energyScaleOf(fn, [Float64Array.of(1, 0), Float64Array.of(0, 2)], new Rng(1)), { value: 4, kind: 'twice max E' });
  // Without one: max|V| = ½ q² over the states.
  t.deepEqual(energyScaleOf(lagrangianSystem(spec), [Float64Array.of(1, 0)], new Rng(1)), { value: 0.5, kind: 'max|V|' });
  t.truthy(base.mechanical);
});
