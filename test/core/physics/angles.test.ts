// Angle wrapping to [−π, π).
import test from 'ava';
import { wrapAngle, wrapAngles } from 'odelab/plugin';

test('wrapAngle lands in [−π, π) and differs from its input by a multiple of 2π', (t) => {
  for (const a of [0, 1, -1, 3, -3, Math.PI, -Math.PI, 7, -7, 100.5, -1e4, 2 * Math.PI, Math.PI + 4e-16, -Math.PI - 1e-17]) {
    const w = wrapAngle(a);
    t.true(w >= -Math.PI && w < Math.PI, `${a} → ${w}`);
    const k = (a - w) / (2 * Math.PI);
    t.true(Math.abs(k - Math.round(k)) < 1e-9, `${a} → ${w}`);
  }
  t.is(wrapAngle(Math.PI), -Math.PI);
  t.is(wrapAngle(-Math.PI), -Math.PI);
  t.is(wrapAngle(0.5), 0.5);
});

test('wrapAngles wraps only the flagged coordinates, in a copy', (t) => {
  const x = Float64Array.of(4, 4, 10, 10);
  const w = wrapAngles(x, [true, false]);
  t.deepEqual(Array.from(w), [4 - 2 * Math.PI, 4, 10, 10]);
  t.deepEqual(Array.from(x), [4, 4, 10, 10]);
  t.throws(() => wrapAngles(Float64Array.of(1), [true, true]), { instanceOf: RangeError });
});
