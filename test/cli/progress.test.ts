// The training progress line's ETA: none while it would mislead (the first, slow steps: JIT warm-up), then
// from the recent rate. Driven by a fake clock, so nothing here depends on how fast this machine is.
import test from 'ava';
import { createReporter, EtaEstimator, formatEta } from '../../core/cli/progress.ts';
import type { StepReport } from '../../core/train/trainer.ts';

/** A non-terminal stream that keeps what is written. */
function captured(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const stream = { isTTY: false, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

const report = (step: number): StepReport => ({ step, loss: 0.5, lr: 1e-3, forward: { nfe: 4, steps: 1, rejected: 0 } }) as unknown as StepReport;

test('a run whose first steps are slow: ETA … at first, then the time left at the recent rate', (t) => {
  let now = 1_000_000;
  const out = captured();
  const reporter = createReporter(false, out.stream, () => now);
  reporter.start(1000);
  // Warm-up: the first 5 steps take 2 s each (a whole-run average would promise 1000 × 2 s ≈ 33 min).
  for (let step = 1; step <= 5; step++) {
    now += 2000;
    reporter.step(report(step));
  }
  t.regex(out.lines()[0]!, /^step 1\/1000 .*ETA …$/);
  t.false(out.lines().some((l) => /ETA \d/.test(l)), 'no estimate from warm-up steps');
  // Then 100 steps/s: 10 ms a step.
  for (let step = 6; step <= 1000; step++) {
    now += 10;
    reporter.step(report(step));
  }
  const withEta = out.lines().flatMap((line) => {
    const m = /^step (\d+)\/1000 .*ETA (\d+)s$/.exec(line);
    return m ? [{ line, step: Number(m[1]), eta: Number(m[2]), truth: (1000 - Number(m[1])) / 100 }] : [];
  });
  t.true(withEta.length >= 2, out.lines().join('\n'));
  for (const { line, step, eta, truth } of withEta) {
    t.true(step >= 100, `no ETA before 10% of the steps: ${line}`);
    // The first estimate may still see the end of the warm-up in its window: off by at most 2×, not 100×.
    t.true(eta <= 2 * truth + 1 && eta >= truth / 2 - 1, `${line} (truth ${truth}s)`);
  }
  // Once the warm-up has left the window, the rate is the true one.
  const { eta, truth, line } = withEta.at(-1)!;
  t.true(Math.abs(eta - truth) <= 1, `${line} (truth ${truth}s)`);
  t.regex(out.lines().at(-1)!, /^step 1000\/1000 .*done$/);
});

test('no ETA before 3 s of training, even past 10% of the steps', (t) => {
  const eta = new EtaEstimator(100, 0);
  eta.observe(50, 2000);
  t.is(eta.secondsLeft(), undefined);
  eta.observe(60, 3000);
  t.is(eta.secondsLeft(), (100 - 60) / 20);
});

test('no ETA before 10% of the steps, even after many seconds', (t) => {
  const eta = new EtaEstimator(1000, 0);
  eta.observe(99, 60_000);
  t.is(eta.secondsLeft(), undefined);
  eta.observe(100, 60_500);
  t.is(typeof eta.secondsLeft(), 'number');
});

test('the rate is the recent one: a slow start leaves the window', (t) => {
  const eta = new EtaEstimator(10_000, 0, { windowSeconds: 10 });
  eta.observe(10, 20_000); // 0.5 steps/s while warming up
  for (let s = 1; s <= 30; s++) eta.observe(10 + 100 * s, 20_000 + 1000 * s); // then 100 steps/s for 30 s
  t.is(eta.rate(), 100);
  t.is(eta.secondsLeft(), (10_000 - 3010) / 100);
  t.is(formatEta(eta.secondsLeft()), 'ETA 1m10s');
  t.is(formatEta(undefined), 'ETA …');
});
