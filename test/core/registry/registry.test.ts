import { instantiateSystem } from '../../../core/physics/instantiate.ts';
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { ConfigError } from 'odelab';
import { ErrorCodes, definePlugin, s, PLUGIN_KINDS } from 'odelab/plugin';
import { Registry, loadPluginModule, createRegistry } from 'odelab/node';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

const dummySystem = (name: string, override = false) =>
  definePlugin({
    kind: 'system',
    name,
    description: `dummy ${name}`,
    override,
    options: s.object({}),
    create: () => ({ stateDim: 1, timeSpan: 1, derivative: () => Float64Array.of(0), sampleInitialState: () => Float64Array.of(0) }),
  });

test('registering a name twice is an error unless the newcomer overrides', (t) => {
  const r = new Registry();
  const first = dummySystem('toy');
  r.register(first);
  const e = t.throws(() => r.register(dummySystem('toy')), { instanceOf: ConfigError });
  t.is(e?.code, ErrorCodes.PLUGIN_DUPLICATE);
  t.regex(e?.message ?? '', /already registered.*override: true/);
  const second = dummySystem('toy', true);
  r.register(second);
  t.is(r.get('system', 'toy'), second);
  t.deepEqual(r.list('system'), [second], 'the overridden plugin is no longer listed');
});

test('the same name may exist under different kinds', (t) => {
  const r = new Registry();
  r.register(dummySystem('x'));
  t.false(r.has('model', 'x'));
});

test('unknown names list the available ones', (t) => {
  const r = createRegistry();
  const e = t.throws(() => r.get('integrator', 'rk5', 'integrator.name'), { instanceOf: ConfigError });
  t.is(e?.code, ErrorCodes.PLUGIN_UNKNOWN);
  t.is(e?.path, 'integrator.name');
  for (const name of r.names('integrator')) t.true(e!.message.includes(`'${name}'`));
});

test('registries are independent', (t) => {
  const a = new Registry();
  const b = new Registry();
  a.register(dummySystem('only-a'));
  t.true(a.has('system', 'only-a'));
  t.false(b.has('system', 'only-a'));
});

test('invalid definitions are rejected with the reason', (t) => {
  const r = new Registry();
  const bad = { ...dummySystem('ok'), name: 'Bad_Name' };
  t.throws(() => r.register(bad), { message: /lower-case words joined by dashes/ });
  const noOptions = { ...dummySystem('ok'), options: {} } as unknown as ReturnType<typeof dummySystem>;
  t.throws(() => r.register(noOptions), { message: /options must be a schema/ });
});

test('every built-in is listed under its kind with a description and an options schema', (t) => {
  const r = createRegistry();
  for (const kind of PLUGIN_KINDS) {
    for (const p of r.list(kind)) {
      t.is(p.kind, kind);
      t.true(p.description.length > 10, `${kind}/${p.name} has a description`);
      t.is(typeof p.options.info().fields, 'object');
    }
  }
  t.true(r.has('system', 'spiral'));
  t.true(r.has('model', 'mlp'));
  t.true(r.has('integrator', 'rk4'));
  t.true(r.has('gradient', 'backprop'));
  t.true(r.has('tracker', 'mlflow-file'));
});

test('a plugin module loaded from a path registers itself like a built-in', async (t) => {
  const r = createRegistry();
  const loaded = await loadPluginModule(r, 'my-physics.ts', fixtures, '--plugin');
  t.deepEqual(loaded.map((p) => p.name), ['free-particle']);
  const plugin = r.get('system', 'free-particle');
  const sys = instantiateSystem(plugin, plugin.options.parse({}, 'system') as never);
  t.deepEqual(Array.from(sys.derivative(0, Float64Array.of(1, 3))), [3, 0]);
});

test('a missing plugin module is a config error naming the source', async (t) => {
  const e = await t.throwsAsync(loadPluginModule(new Registry(), 'nope.ts', fixtures, 'plugins[0]'), { instanceOf: ConfigError });
  t.is(e?.path, 'plugins[0]');
  t.regex(e?.message ?? '', /not found/);
});
