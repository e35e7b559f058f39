/**
 * The `scale` suite's spiral row, in its child process: the torchdiffeq
 * spiral demo as a user writes it with odelab's PUBLIC API only (imports
 * from 'odelab', none from core/ or plugins/): their own vector field in
 * tfjs ops (net(y³), Linear 2→50, tanh, Linear 50→2, weights N(0, 0.1²),
 * biases 0), `odeint` or `odeintAdjoint` (the ...WithStats variants, for
 * the nfe) with dopri5 at rtol 1e-7, atol 1e-9, batches of 20 segments of
 * 10 points, L1 loss, RMSprop 1e-3 (torch's alpha 0.99, eps 1e-8), on the
 * wasm backend. Ground truth: `odeint64` of dy/dt = y³A from y0 = [2, 0]
 * over 1000 times on [0, 25]. As the peer, the batch is drawn before the
 * clock starts; the final figure is the demo's full-trajectory L1.
 */
import { initBackend, odeint, odeint64, odeintAdjointWithStats, odeintWithStats, Rng, tf } from 'odelab';
import type { ScaleOutcome } from './scale-job.ts';
import { timeSteps } from './scale-timing.ts';

const A = [
  [-0.1, 2.0],
  [-2.0, -0.1],
];
const POINTS = 1000;
const SPAN = 25;
const BATCH = 20;
const BATCH_TIME = 10;
const TOL = { method: 'dopri5', rtol: 1e-7, atol: 1e-9 };

export async function runSpiralJob(job: { adjoint: boolean; iterations: number; budgetMs: number }): Promise<ScaleOutcome> {
  const backend = await initBackend('wasm');
  const t = Array.from({ length: POINTS }, (_, i) => (i * SPAN) / (POINTS - 1));
  const truth = odeint64(
    (_t, y) => {
      const a = y[0]! ** 3;
      const b = y[1]! ** 3;
      return Float64Array.of(a * A[0]![0]! + b * A[1]![0]!, a * A[0]![1]! + b * A[1]![1]!);
    },
    [2, 0],
    t,
    TOL,
  ).ys;

  const rng = new Rng(0);
  const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => std * rng.normal());
  const w1 = tf.variable(tf.tensor2d(normal(2 * 50, 0.1), [2, 50]));
  const b1 = tf.variable(tf.zeros([50]));
  const w2 = tf.variable(tf.tensor2d(normal(50 * 2, 0.1), [50, 2]));
  const b2 = tf.variable(tf.zeros([2]));
  const params = [w1, b1, w2, b2];
  const f = (_t: number, y: tf.Tensor) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(tf.pow(y, 3), w1), b1)), w2), b2);
  const optimizer = tf.train.rmsprop(1e-3, 0.99, 0, 1e-8);
  const bt = t.slice(0, BATCH_TIME);

  const drawBatch = () => {
    const starts = new Set<number>();
    while (starts.size < BATCH) starts.add(rng.int(POINTS - BATCH_TIME));
    const s = [...starts];
    const y0 = tf.tensor2d(s.flatMap((k) => [...truth[k]!]), [BATCH, 2]);
    const target = tf.tensor3d(
      Array.from({ length: BATCH_TIME }, (_, i) => s.flatMap((k) => [...truth[k + i]!])).flat(),
      [BATCH_TIME, BATCH, 2],
    );
    return { y0, target };
  };

  let batch = drawBatch();
  const step = () => {
    let forward = { nfe: 0 };
    let backward: { nfe: number } | undefined;
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let ys: tf.Tensor;
        if (job.adjoint) {
          const traj = odeintAdjointWithStats(f, batch.y0, bt, { ...TOL, params });
          ys = traj.ys;
          forward = traj.forward;
          backward = traj.backward;
        } else {
          const r = odeintWithStats(f, batch.y0, bt, TOL);
          ys = r.ys;
          forward = r.stats;
        }
        return tf.mean(tf.abs(tf.sub(ys, batch.target))) as tf.Scalar;
      }, params);
      optimizer.applyGradients(grads);
      return value.dataSync()[0]!;
    });
    return { loss, forward, ...(backward ? { backward } : {}) };
  };
  // The batch of the next step is drawn between steps, outside the timed call (as the peer's loop).
  const timed = timeSteps(step, {
    warmup: 5,
    iterations: job.iterations,
    budgetMs: job.budgetMs,
    between: () => {
      tf.dispose([batch.y0, batch.target]);
      batch = drawBatch();
    },
  });
  tf.dispose([batch.y0, batch.target]);
  const finalL1 = tf.tidy(() => {
    const ys = odeint(f, tf.tensor2d([2, 0], [1, 2]), t, TOL);
    const truthT = tf.tensor3d(truth.flatMap((y) => [...y]), [POINTS, 1, 2]);
    return tf.mean(tf.abs(tf.sub(ys, truthT))).dataSync()[0]!;
  });
  optimizer.dispose();
  tf.dispose(params);
  return { ...timed, backend, finalL1 };
}
