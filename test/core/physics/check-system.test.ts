// System plugins are exercised once before any work: every built-in passes,
// and each mistake a user makes is a ConfigError naming the plugin, the
// function and what was wrong.
import test from 'ava';
import { createRegistry } from 'odelab/node';
import { ConfigError } from '../../../core/errors.ts';
import { checkSystemPlugin } from '../../../core/physics/check-system.ts';
import faulty from '../../fixtures/faulty/plugins.ts';

const registry = createRegistry();
registry.registerAll(faulty, 'test');
const check = (name: string) => {
  const p = registry.get('system', name);
  return () => checkSystemPlugin(name, () => p.create(p.options.parse({}, 'system') as never) as never);
};

test('every registered system passes the check with its defaults', (t) => {
  const builtins = createRegistry().list('system').map((p) => p.name);
  t.true(builtins.length >= 6);
  for (const name of builtins) t.notThrows(check(name), name);
});

test('Math.cos on a jet: the Lagrangian is not finite, and the message says to use the jets\' operations', (t) => {
  const e = t.throws(check('math-cos-pendulum'), { instanceOf: ConfigError });
  t.regex(e!.message, /^system plugin 'math-cos-pendulum': lagrangian\(q, q̇\) is not finite with its derivatives at the sampled state q = \[.*\], q̇ = \[.*\] .*q\[0\]\.cos\(\).*not Math functions/);
});

test('a Lagrangian returning a plain number is named as such', (t) => {
  const e = t.throws(check('number-lagrangian'), { instanceOf: ConfigError });
  t.regex(e!.message, /lagrangian\(q, q̇\) must return a jet \(Dual\) built from its arguments .* got the number/);
});

test('a sampler of the wrong length: how many values and how many were expected', (t) => {
  const e = t.throws(check('long-sampler-pendulum'), { instanceOf: ConfigError });
  t.regex(e!.message, /sampleInitialState\(rng\) returned 3 values, expected 2/);
});

test('a missing sampler and a derivative of the wrong length', (t) => {
  t.regex(t.throws(check('no-sampler'), { instanceOf: ConfigError })!.message, /'no-sampler': sampleInitialState\(rng\) is missing/);
  t.regex(t.throws(check('short-derivative'), { instanceOf: ConfigError })!.message, /derivative\(t, x\) returned 1 values at the sampled state \[0, 1\], expected 2/);
});
