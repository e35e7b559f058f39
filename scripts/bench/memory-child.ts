/**
 * One measurement of the `memory` suite, run in a fresh process so that its
 * peak RSS is its own:
 *
 *   node --import tsx scripts/bench/memory-child.ts '<MemoryJob as JSON>'
 *
 * On the cpu backend: an MLP neural ODE (2-H-2, tanh, a batch of B states)
 * integrated with rk4 from t = 0 to `span` in exactly `steps` fixed steps,
 * and one gradient, tf.variableGrads of the sum of squares of the final
 * state, with the named gradient strategy. A tiny gradient (10 steps) runs
 * first so that kernels, the tape and the allocator are set up before the
 * baseline is read. The measured gradient runs unprofiled: wall time, nfe,
 * tfjs peak bytes and tensors (every change of the engine's byte count is
 * watched, see `watchPeak`) and the growth of `process.resourceUsage().maxRSS`.
 * After the RSS reading, so that they cannot inflate it, the same gradient
 * runs again: once with post-GC heap samples (`heapKept`), and, with
 * `job.profile`, once under `tf.profile` as a cross-check of the peak.
 *
 * Prints one line `MEMORY_RESULT <MemoryOutcome as JSON>` on stdout.
 */
import { initBackend, Rng, tf, type Trajectory } from 'odelab';
import type { GradientStrategy, Integrator, Model } from 'odelab/plugin';
import { createRegistry, gradientContext } from 'odelab/node';
import { RESULT_MARKER, type MemoryJob, type MemoryOutcome } from './memory-job.ts';
import { watchPeak } from './tfjs-peak.ts';

const WARMUP_STEPS = 10;

interface Setup {
  model: Model;
  y0: tf.Tensor2D;
  gradient: GradientStrategy;
  /** rk4 with step h = span / steps. */
  integrator: Integrator;
}

function setup(job: MemoryJob): Setup {
  const registry = createRegistry();
  const rng = new Rng(job.seed);
  const mlp = registry.get('model', 'mlp');
  const model = mlp.create(mlp.options.parse({ hidden: [job.hidden], activation: 'tanh' }, 'model') as never, {
    stateDim: 2,
    seed: rng.uint32(),
  });
  const y0 = tf.tensor2d(Array.from({ length: job.batch * 2 }, () => rng.range(-2, 2)), [job.batch, 2]);
  const rk4 = registry.get('integrator', 'rk4');
  const rk4Options = rk4.options.parse({ step: job.span / job.steps }, 'integrator') as Record<string, unknown>;
  const plugin = registry.get('gradient', job.strategy);
  const gradient = plugin.create(
    plugin.options.parse({}, 'gradient') as never,
    gradientContext(registry.methods(), { name: 'rk4', options: rk4Options }),
  );
  return { model, y0, gradient, integrator: rk4.create(rk4Options as never) };
}

interface GradientRun {
  forwardNfe: number;
  forwardSteps: number;
  backwardNfe: number | null;
  backwardSteps: number | null;
  loss: number;
}

type Field = (t: number, x: tf.Tensor) => tf.Tensor;

/** One gradient of sum(y(T)²) over `steps` rk4 steps of h = span / job.steps on [0, T = steps · h]. */
function gradientOnce(s: Setup, job: MemoryJob, steps: number, func: Field = (t, x) => s.model.vectorField(t, x)): GradientRun {
  const h = job.span / job.steps;
  let traj: Trajectory | undefined;
  let loss = NaN;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      traj = s.gradient.trajectory({
        func,
        y0: s.y0,
        t: [0, steps * h],
        integrator: s.integrator,
        params: s.model.variables,
      });
      const last = tf.slice(traj.ys, [1, 0, 0], [1, job.batch, 2]);
      return tf.sum(tf.square(last)) as tf.Scalar;
    }, s.model.variables);
    for (const g of Object.values(grads)) g.dataSync();
    loss = value.dataSync()[0]!;
  });
  const t = traj!;
  return {
    forwardNfe: t.forward.nfe,
    forwardSteps: t.forward.steps,
    backwardNfe: t.backward ? t.backward.nfe : null,
    backwardSteps: t.backward ? t.backward.steps : null,
    loss,
  };
}

/**
 * The largest growth of post-GC heapUsed over the baseline, sampled at
 * `samples` evenly spaced field evaluations of one more gradient: JS objects
 * still reachable mid-gradient. Needs --expose-gc.
 */
function heapKept(s: Setup, job: MemoryJob, expectedEvals: number, samples = 16): number | null {
  const collect = globalThis.gc;
  if (!collect) return null;
  collect();
  const base = process.memoryUsage().heapUsed;
  const every = Math.max(1, Math.floor(expectedEvals / samples));
  let calls = 0;
  let kept = 0;
  gradientOnce(s, job, job.steps, (t, x) => {
    if (++calls % every === 0) {
      collect();
      kept = Math.max(kept, process.memoryUsage().heapUsed - base);
    }
    return s.model.vectorField(t, x);
  });
  return kept;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as MemoryJob;
  await initBackend('cpu');
  const s = setup(job);
  const warm = gradientOnce(s, job, WARMUP_STEPS);
  const expectedEvals = ((warm.forwardNfe + (warm.backwardNfe ?? 0)) * job.steps) / WARMUP_STEPS;

  const bytesBefore = tf.memory().numBytes;
  const tensorsBefore = tf.memory().numTensors;
  const rssNowKiB = Math.round(process.memoryUsage().rss / 1024);
  const maxRssBeforeKiB = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const watched = watchPeak(() => gradientOnce(s, job, job.steps));
  const wallMs = performance.now() - t0;
  const maxRssAfterKiB = process.resourceUsage().maxRSS;
  const tensorsAfter = tf.memory().numTensors;

  const heapKeptBytes = heapKept(s, job, expectedEvals);

  let profilePeakBytes: number | null = null;
  let profileKernels: number | null = null;
  let profileError: string | null = null;
  if (job.profile) {
    try {
      const info = await tf.profile(() => void gradientOnce(s, job, job.steps));
      profilePeakBytes = info.peakBytes;
      profileKernels = info.kernels.length;
    } catch (e) {
      profileError = e instanceof Error ? e.message : String(e);
    }
  }

  const outcome: MemoryOutcome = {
    ...watched.result,
    wallMs,
    bytesBefore,
    peakBytes: watched.peakBytes,
    tensorsBefore,
    tensorsAtPeak: watched.tensorsAtPeak,
    tensorsAfter,
    rssNowKiB,
    maxRssBeforeKiB,
    maxRssAfterKiB,
    heapKeptBytes,
    profilePeakBytes,
    profileKernels,
    profileError,
  };
  process.stdout.write(`${RESULT_MARKER} ${JSON.stringify(outcome)}\n`);
}

await main();
