import test from 'ava';
import {
  gflops,
  lnnStepFlops,
  mlpForwardFlops,
  nodeWidths,
  outputTimes,
  peerIterations,
  ratio,
  rk4Evaluations,
  sizeLabel,
  stepFlops,
  verdict,
} from '../../scripts/bench/scale-job.ts';

test('an MLP evaluation costs 2·B·Σ(in·out) FLOPs forward', (t) => {
  // 2 -> 50 -> 2 on 20 states: 2·20·(100 + 100)
  t.is(mlpForwardFlops([2, 50, 2], 20), 8000);
  t.is(mlpForwardFlops(nodeWidths({ D: 64, hidden: [1024, 1024], B: 1024 }), 1024), 2 * 1024 * (64 * 1024 + 1024 * 1024 + 1024 * 64));
  t.deepEqual(nodeWidths({ D: 16, hidden: [256, 256, 256, 256], B: 256 }), [16, 256, 256, 256, 256, 16]);
});

test('a step counts backward as twice forward: backprop 3× per evaluation, the adjoint f + vjp per backward evaluation', (t) => {
  t.is(stepFlops(10, 72, null), 3 * 10 * 72);
  t.is(stepFlops(10, 72, 72), 10 * 72 + 3 * 10 * 72);
});

test("the peer's solve: 10 outputs on [0, 1] with step 0.1 is 18 rk4 steps, 72 evaluations", (t) => {
  const times = outputTimes(10, 1);
  t.is(times.length, 10);
  t.is(times[9], 1);
  t.is(rk4Evaluations(times, 0.1), 72);
  // outputs on the step grid: one step each
  t.is(rk4Evaluations(outputTimes(11, 1), 0.1), 40);
});

test('the LNN count is 3·(n+3) passes of its network', (t) => {
  // 4 -> 128 -> 128 -> 1, batch 256, n = 2
  t.is(lnnStepFlops(128, 2, 256), 15 * 2 * 256 * (4 * 128 + 128 * 128 + 128));
});

test('GFLOP/s, ratios, verdicts and labels', (t) => {
  t.is(gflops(2e9, 1000), 2);
  t.is(ratio(5, 10), 0.5);
  t.is(ratio(null, 10), null);
  t.is(ratio(5, 0), null);
  t.is(verdict(0.5, 0.5), 'met');
  t.is(verdict(0.51, 0.5), 'NOT met');
  t.is(verdict(null, 0.5), 'n/a');
  t.is(sizeLabel({ D: 16, hidden: [512, 512], B: 512 }), '16/[512,512]/512');
});

test('peer iterations fit the time at the assumed rate, between 1 and the maximum', (t) => {
  t.is(peerIterations(1e3, 10, 100), 100); // floor of 5 ms per step: 2000 fit, capped
  t.is(peerIterations(20e9, 10, 100), 10); // 1 s per step at 20 GFLOP/s
  t.is(peerIterations(1e15, 10, 100), 1);
});
