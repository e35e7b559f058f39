import test from 'ava';
import { fileURLToPath } from 'node:url';
import { ConfigError, grid, loguniform } from 'odelab';
import { ErrorCodes } from 'odelab/plugin';
import { applyOverrides, createRegistry, flattenConfig, loadExperiment, resolveExperiment } from 'odelab/node';
import tiny from '../../fixtures/experiments/tiny.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/experiments/${name}.ts`, import.meta.url));

/** The ConfigError that resolving `spec` raises. */
function errorOf(t: import('ava').ExecutionContext, spec: object): ConfigError {
  const e = t.throws(() => resolveExperiment(spec, createRegistry()), { instanceOf: ConfigError });
  return e!;
}

test('a valid experiment resolves with every default filled in', (t) => {
  const r = resolveExperiment(tiny, createRegistry());
  t.is(r.seed, 0);
  t.is(r.gradient.name, 'backprop');
  t.deepEqual(r.train.optimizer, { name: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  t.deepEqual(r.model.options.hidden, [16]);
  t.is(r.model.options.activation, 'tanh');
  t.is(r.system.options.timeSpan, 25);
});

test('bad values name their path', (t) => {
  const cases: [object, string, RegExp][] = [
    [applyOverrides(tiny, ['train.lr=-1']), 'train.lr', /train\.lr must be a positive number, got -1/],
    [applyOverrides(tiny, ['data.batchSize=0']), 'data.batchSize', /positive integer/],
    [applyOverrides(tiny, ['model.hidden=[16, "x"]']), 'model.hidden[1]', /positive integer, got 'x'/],
    [applyOverrides(tiny, ['model.activation=swish']), 'model.activation', /one of 'tanh'/],
    [applyOverrides(tiny, ['system.spread=-0.1']), 'system.spread', /non-negative/],
    [applyOverrides(tiny, ['integrator.step=0']), 'integrator.step', /positive number/],
    [applyOverrides(tiny, ['train.optimizer={"name":"sgd"}']), 'train.optimizer.name', /'adam', 'rmsprop'/],
    [applyOverrides(tiny, ['data.batchTime=100']), 'data.batchTime', /at most data\.points/],
    [applyOverrides(tiny, ['seed=-3']), 'seed', /non-negative integer/],
    [applyOverrides(tiny, ['integrator.rtol=1e-3']), 'integrator.rtol', /'rk4' is a fixed-step method and has no rtol; rtol applies to adaptive methods/],
    [applyOverrides(tiny, ['integrator={"name":"dopri5","step":0.1}']), 'integrator.step', /'dopri5' is an adaptive method and has no step/],
    [applyOverrides(tiny, ['integrator={"name":"dopri5","rtol":1e-9}']), 'integrator.rtol', /at least 1\.00e-8 on float32 states/],
    [applyOverrides(tiny, ['integrator={"name":"dopri5","atol":[1e-6]}', 'integrator.maxSteps=0']), 'integrator.maxSteps', /positive integer/],
    [applyOverrides(tiny, ['data.truthRtol=1e-8']), 'data.truthRtol', /<= 1e-10/],
  ];
  for (const [spec, path, message] of cases) {
    const e = errorOf(t, spec);
    t.is(e.path, path, e.message);
    t.regex(e.message, message);
  }
});

test('unknown keys are rejected at every level', (t) => {
  t.is(errorOf(t, { ...tiny, trian: {} }).path, 'trian');
  t.is(errorOf(t, applyOverrides(tiny, ['train.lrate=0.1'])).path, 'train.lrate');
  t.is(errorOf(t, applyOverrides(tiny, ['model.width=3'])).path, 'model.width');
  t.regex(errorOf(t, applyOverrides(tiny, ['data.point=3'])).message, /did you mean 'points'/);
});

test('a misspelt plugin name lists the available ones', (t) => {
  const e = errorOf(t, applyOverrides(tiny, ['integrator.name=rk5']));
  t.is(e.code, ErrorCodes.PLUGIN_UNKNOWN);
  t.is(e.path, 'integrator.name');
  t.regex(e.message, /unknown integrator plugin 'rk5'; available: 'bosh3', 'dopri5', 'dopri8', 'euler', .*'rk4'/);
});

test('the sweep section is validated: shape, bounds and paths', (t) => {
  const ok = { ...tiny, sweep: { parameters: { 'train.lr': loguniform(1e-4, 1e-2), 'model.hidden': grid([[8], [16]]) }, objective: { metric: 'eval_rollout_mae', mode: 'min' as const } } };
  t.is(resolveExperiment(ok, createRegistry()).sweep?.trials, 1);
  const bounds = { ...ok, sweep: { ...ok.sweep, parameters: { 'train.lr': loguniform(1e-2, 1e-4) } } };
  t.is(errorOf(t, bounds).path, 'sweep.parameters.train.lr');
  const path = { ...ok, sweep: { ...ok.sweep, parameters: { 'train.lrr': grid([1]) } } };
  t.regex(errorOf(t, path).message, /not a path of this experiment's config/);
  const mode = { ...ok, sweep: { ...ok.sweep, objective: { metric: 'x', mode: 'up' } } };
  t.is(errorOf(t, mode).path, 'sweep.objective.mode');
  const space = { ...ok, sweep: { ...ok.sweep, parameters: { 'train.lr': { type: 'normal', mean: 1 } } } };
  t.is(errorOf(t, space).path, 'sweep.parameters.train.lr.type');
});

test('overrides parse JSON, numbers and strings, and reject non-paths', (t) => {
  const o = applyOverrides(tiny, ['train.lr=1e-4', 'model.hidden=[4,4]', 'model.activation=relu', 'train.optimizer.name=rmsprop']);
  t.is(o.train?.lr, 1e-4);
  t.deepEqual(o.model.hidden, [4, 4]);
  t.is((o.model as Record<string, unknown>).activation, 'relu');
  t.is(resolveExperiment(o, createRegistry()).train.optimizer.name, 'rmsprop');
  t.is(tiny.train?.lr, 0.01, 'the original spec is untouched');
  t.throws(() => applyOverrides(tiny, ['train.lr']), { instanceOf: ConfigError, message: /path=value/ });
  t.throws(() => applyOverrides(tiny, ['train.lr.x=1']), { instanceOf: ConfigError, message: /train\.lr is not an object/ });
});

test('params are the flattened config', (t) => {
  const params = flattenConfig(resolveExperiment(tiny, createRegistry()));
  t.is(params['train.lr'], '0.01');
  t.is(params['model.hidden'], '[16]');
  t.is(params['model.name'], 'mlp');
  t.is(params['train.optimizer.name'], 'adam');
  t.is(params['data.points'], '60');
  t.is(params.seed, '0');
});

test('experiment files load their plugin modules relative to themselves', async (t) => {
  const loaded = await loadExperiment(fixture('with-plugin'), createRegistry());
  t.is(loaded.resolved.system.name, 'free-particle');
  t.is(loaded.resolved.system.options.speed, 2);
});

test('a file that does not default-export an experiment is rejected', async (t) => {
  const e = await t.throwsAsync(loadExperiment(fileURLToPath(new URL('../../fixtures/my-physics.ts', import.meta.url)), createRegistry()), { instanceOf: ConfigError });
  t.regex(e?.message ?? '', /defineExperiment/);
});

test('a float64-only integrator (radau5) is refused for training at integrator.name; implicit-euler is accepted', (t) => {
  const e = errorOf(t, applyOverrides(tiny, ['integrator.name=radau5']));
  t.is(e.path, 'integrator.name');
  t.regex(e.message, /float64 states only.*implicit-euler or trapezoid/);
  t.is(resolveExperiment(applyOverrides(tiny, ['integrator.name=implicit-euler', 'integrator.step=0.1']), createRegistry()).integrator.name, 'implicit-euler');
});
