// Every built-in system names its state and gives units (or says it has none); a LagrangianSpec's labels reach its System.
import test from 'ava';
import { definePlugin, instantiateSystem, s, type LagrangianSpec, type SystemPlugin } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { systemAxes } from '../../core/eval/axis-labels.ts';

const registry = createRegistry();
const make = (plugin: SystemPlugin, options: object = {}) => instantiateSystem(plugin, plugin.options.parse(options, 'system') as never);

for (const plugin of registry.list('system')) {
  test(`${plugin.name} names every state component and gives every unit`, (t) => {
    const sys = make(plugin, plugin.name === 'n-pendulum' ? { n: 12 } : {});
    const labels = sys.labels!;
    t.truthy(labels, 'labels declared');
    t.is(labels.state?.length, sys.stateDim);
    t.is(labels.stateUnits?.length, sys.stateDim);
    t.is(typeof labels.time, 'string');
    if (sys.mechanical) t.is(typeof labels.energy, 'string');
    t.is(new Set(labels.state).size, sys.stateDim, 'names are distinct');
    const axes = systemAxes(sys);
    t.true([axes.time, ...axes.state, ...axes.acceleration].every((a) => a.unit !== undefined));
  });
}

test('the mechanical systems with SI parameters are in rad or m, s and J; n-pendulum subscripts run past 9', (t) => {
  const dp = systemAxes(make(registry.get('system', 'pendulum')));
  t.deepEqual(dp.state, [{ name: 'θ', unit: 'rad' }, { name: 'ω', unit: 'rad/s' }]);
  t.deepEqual(dp.acceleration, [{ name: 'dω/dt', unit: 'rad/s²' }]);
  t.deepEqual([dp.time, dp.energy], [{ name: 't', unit: 's' }, { name: 'E', unit: 'J' }]);
  const chain = make(registry.get('system', 'n-pendulum'), { n: 12 }).labels!;
  t.is(chain.state![11], 'θ₁₂');
  t.is(chain.state![23], 'ω₁₂');
  t.deepEqual(systemAxes(make(registry.get('system', 'harmonic-oscillator'))).state.map((a) => a.unit), ['m', 'm/s']);
  t.deepEqual(systemAxes(make(registry.get('system', 'kepler'))).energy, { name: 'E', unit: 'dimensionless' });
});

test("a LagrangianSpec's labels pass on to its System; without them it has none", (t) => {
  const spec = (labels?: LagrangianSpec['labels']): SystemPlugin =>
    definePlugin({
      kind: 'system',
      name: 'free-particle',
      description: 'L = ½ q̇²',
      options: s.object({}),
      create: (): LagrangianSpec => ({
        coordinates: 1,
        lagrangian: (_q, [qd]) => qd!.sq().mul(0.5),
        sampleInitialState: () => Float64Array.of(0, 1),
        timeSpan: 1,
        ...(labels ? { labels } : {}),
      }),
    }) as SystemPlugin;
  const labelled = make(spec({ state: ['x', 'v'], stateUnits: ['m', 'm/s'], time: 's', energy: 'J' }));
  t.deepEqual(labelled.labels?.state, ['x', 'v']);
  t.deepEqual(systemAxes(labelled).acceleration, [{ name: 'dv/dt', unit: 'm/s²' }]);
  t.deepEqual(labelled.derivative(0, Float64Array.of(0, 1)), Float64Array.of(1, 0), 'still the same physics');
  const bare = make(spec());
  t.is(bare.labels, undefined);
  t.deepEqual(systemAxes(bare).state, [{ name: 'q1' }, { name: 'q\u03071' }]);
});
