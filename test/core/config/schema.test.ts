import test from 'ava';
import { ConfigError } from 'odelab';
import { s } from 'odelab/plugin';

const fails = (f: () => unknown, path: string, message: RegExp) => (t: import('ava').ExecutionContext) => {
  const e = t.throws(f, { instanceOf: ConfigError });
  t.is(e?.path, path);
  t.regex(e?.message ?? '', message);
};

test('numbers name the path and the constraint', fails(() => s.number({ gt: 0 }).parse(-1, 'train.lr'), 'train.lr', /^train\.lr must be a positive number, got -1$/));
test('integers reject fractions', fails(() => s.integer({ min: 1 }).parse(2.5, 'train.steps'), 'train.steps', /a positive integer, got 2.5/));
test('non-finite numbers are rejected', fails(() => s.number().parse(NaN, 'x'), 'x', /finite number, got NaN/));
test('strings are not numbers', fails(() => s.number().parse('0.1', 'x'), 'x', /got '0.1'/));
test('enums list their values', fails(() => s.enum(['adam', 'rmsprop']).parse('sgd', 'train.optimizer'), 'train.optimizer', /one of 'adam', 'rmsprop', got 'sgd'/));
test('array items carry their index', fails(() => s.array(s.integer({ min: 1 })).parse([4, 0], 'model.hidden'), 'model.hidden[1]', /model\.hidden\[1\] must be a positive integer, got 0/));
test('required values say so', fails(() => s.object({ a: s.number() }).parse({}, 'sec'), 'sec.a', /sec\.a is required/));

test('objects are strict and suggest the closest key', (t) => {
  const schema = s.object({ lr: s.number().default(1), steps: s.integer().default(1) });
  const e = t.throws(() => schema.parse({ lrr: 2 }, 'train'), { instanceOf: ConfigError });
  t.is(e?.path, 'train.lrr');
  t.regex(e?.message ?? '', /not a known option.*did you mean 'lr'\?/);
});

test('defaults fill missing values and are copied, not shared', (t) => {
  const schema = s.object({ hidden: s.array(s.integer()).default([50]), opt: s.boolean().optional() });
  const a = schema.parse({}, 'm');
  t.deepEqual(a, { hidden: [50] });
  a.hidden.push(1);
  t.deepEqual(schema.parse({}, 'm').hidden, [50]);
});

test('tagged objects validate the variant named by the tag', (t) => {
  const schema = s.tagged('name', {
    adam: s.object({ beta1: s.number().default(0.9) }),
    rmsprop: s.object({ decay: s.number().default(0.99) }),
  });
  t.deepEqual(schema.parse({ name: 'rmsprop' }, 'opt'), { name: 'rmsprop', decay: 0.99 });
  const bad = t.throws(() => schema.parse({ name: 'adam', decay: 1 }, 'opt'), { instanceOf: ConfigError });
  t.is(bad?.path, 'opt.decay');
  const unknown = t.throws(() => schema.parse({ name: 'sgd' }, 'opt'), { instanceOf: ConfigError });
  t.is(unknown?.path, 'opt.name');
});

test('schemas describe themselves for listings', (t) => {
  const info = s.object({ lr: s.number({ gt: 0 }).default(0.001).describe('learning rate') }).info();
  t.deepEqual(info.fields?.lr, { type: 'number', expected: 'a positive number', description: 'learning rate', default: 0.001 });
});
