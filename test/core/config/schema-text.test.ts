// What schemas say about the values they accept, as `odelab plugins` and error messages show it:
// an array's items are named in the plural by their noun, not by an 's' glued to the phrase's last word.
import test from 'ava';
import { s } from '../../../core/schema.ts';
import { listPlugins } from '../../../core/cli/plugins-command.ts';
import { createRegistry } from 'odelab/node';

test('a range of numbers reads as a phrase, singular and in an array', (t) => {
  t.is(s.number({ min: 0, lt: 1 }).expected, 'a number >= 0 and < 1');
  t.is(s.integer({ min: 2 }).expected, 'an integer >= 2');
  t.is(s.array(s.number({ min: 0, lt: 1 }), { minLength: 2, maxLength: 2 }).expected, 'an array of length 2 of numbers >= 0 and < 1');
  t.is(s.array(s.integer({ gt: 0 })).expected, 'an array of positive integers');
});

test('arrays of other items: enums, booleans, strings, arrays, unions, objects', (t) => {
  t.is(s.array(s.enum(['a', 'b'])).expected, "an array of values each one of 'a', 'b'");
  t.is(s.array(s.boolean()).expected, 'an array of booleans');
  t.is(s.array(s.string(), { minLength: 1 }).expected, 'a non-empty array of non-empty strings');
  t.is(s.array(s.array(s.number(), { minLength: 1 })).expected, 'an array of non-empty arrays of finite numbers');
  t.is(s.array(s.union<number | string>(s.number({ gt: 0 }), s.string())).expected, 'an array of positive numbers or non-empty strings');
  t.is(s.array(s.object({})).expected, 'an array of objects');
  t.is(s.union<number | number[]>(s.number({ gt: 0 }), s.array(s.number({ gt: 0 }), { minLength: 1 })).expected, 'a positive number or a non-empty array of positive numbers');
});

test('no option of a built-in plugin is described with a plural glued to a number or a quote', (t) => {
  const listing = listPlugins(createRegistry());
  const kepler = listing.system!.find((p) => p.name === 'kepler')!;
  t.is(kepler.options.eccentricity!.expected, 'an array of length 2 of numbers >= 0 and < 1');
  for (const plugins of Object.values(listing)) {
    for (const p of plugins) {
      for (const [name, o] of Object.entries(p.options)) t.notRegex(o.expected, /[\d')]s\b|ss\b/, `${p.name}.${name}: ${o.expected}`);
    }
  }
});
