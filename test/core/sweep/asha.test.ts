import test from 'ava';
import { Asha, percentile } from '../../../core/sweep/asha.ts';

test('rungs at grace·η^k up to the max resource (Ray Tune: grace 1, max 100, η 4 → 1, 4, 16, 64)', (t) => {
  t.deepEqual(new Asha({ gracePeriod: 1, reductionFactor: 4, maxResource: 100, mode: 'min' }).milestones, [1, 4, 16, 64]);
  t.deepEqual(new Asha({ gracePeriod: 100, reductionFactor: 3, maxResource: 900, mode: 'min' }).milestones, [100, 300, 900]);
  t.throws(() => new Asha({ gracePeriod: 10, reductionFactor: 1, maxResource: 100, mode: 'min' }));
});

test('percentile interpolates linearly like numpy', (t) => {
  t.is(percentile([1, 2, 3, 4], 50), 2.5);
  t.is(percentile([4, 1, 3, 2], 75), 3.25);
  t.is(percentile([7], 90), 7);
});

test('a trial goes on only when it is in the top 1/η of the values recorded at its rung so far (min mode)', (t) => {
  const asha = new Asha({ gracePeriod: 10, reductionFactor: 2, maxResource: 40, mode: 'min' });
  // Values at the first rung (step 10), arriving one trial at a time.
  t.is(asha.onResult('a', 10, 5).action, 'continue'); // first at the rung
  t.is(asha.onResult('b', 10, 3).action, 'continue'); // cutoff = median{5} = 5; 3 ≤ 5
  const c = asha.onResult('c', 10, 8); // cutoff = median{5, 3} = 4; 8 > 4
  t.deepEqual(c, { action: 'stop', rung: 10, value: 8, cutoff: 4 });
  t.is(asha.onResult('d', 10, 1).action, 'continue'); // median{5, 3, 8} = 5
  // A report between rungs is judged at the rung it passed, once.
  t.is(asha.onResult('a', 15, 100).action, 'continue');
  // Second rung: a first, then b (better) and d (worse than the median of {a, b}).
  t.is(asha.onResult('a', 20, 4).action, 'continue');
  t.is(asha.onResult('b', 20, 2).action, 'continue');
  t.is(asha.onResult('d', 20, 3.5).action, 'stop'); // median{4, 2} = 3; 3.5 > 3
  // Reaching the top rung is judged too; the budget ends the trial in any case.
  t.is(asha.onResult('b', 40, 1).action, 'continue');
});

test('max mode mirrors min mode, and a non-finite value is worse than any finite one', (t) => {
  const asha = new Asha({ gracePeriod: 1, reductionFactor: 3, maxResource: 9, mode: 'max' });
  t.is(asha.onResult('a', 1, 0.5).action, 'continue');
  t.is(asha.onResult('b', 1, 0.2).action, 'stop'); // cutoff = 0.5
  t.is(asha.onResult('c', 1, 0.9).action, 'continue');
  t.is(asha.onResult('d', 1, Number.NaN).action, 'stop');
  const first = new Asha({ gracePeriod: 1, reductionFactor: 3, maxResource: 9, mode: 'min' });
  t.is(first.onResult('x', 1, Number.NaN).action, 'continue'); // nothing to compare with yet
  t.is(first.onResult('y', 1, 1e9).action, 'continue'); // any finite value beats NaN
});

test('a resumed sweep replays earlier reports so later decisions are the same as without the interruption', (t) => {
  const reports: [string, number, number][] = [['a', 10, 5], ['b', 10, 3], ['c', 10, 4], ['a', 20, 2]];
  const straight = new Asha({ gracePeriod: 10, reductionFactor: 2, maxResource: 40, mode: 'min' });
  for (const [id, r, v] of reports) straight.onResult(id, r, v);
  const resumed = new Asha({ gracePeriod: 10, reductionFactor: 2, maxResource: 40, mode: 'min' });
  for (const [id, r, v] of reports) resumed.replay(id, r, v);
  t.deepEqual(resumed.onResult('d', 10, 4.5), straight.onResult('d', 10, 4.5));
  t.deepEqual(resumed.onResult('b', 20, 3), straight.onResult('b', 20, 3));
});
