/**
 * One measurement of the `gradients` suite, in a fresh process so that its
 * peak RSS is its own:
 *
 *   node --expose-gc --import tsx scripts/bench/gradients-child.ts '<GradientsJob as JSON>'
 *
 * On the cpu backend: an MLP neural ODE (2-H-2, tanh, a batch of B states;
 * 'damped': minus κx) integrated by rk4 in exactly `steps` fixed steps over
 * [0, span], the loss Σ y(T)², and its gradient for every parameter through
 * the named strategy (the model's host field and vjp offered, as in
 * training). Reported: the median wall time of `reps` gradients, tfjs's
 * peak bytes and the RSS growth over the first, the host memory kept
 * (post-GC samples of heap + array buffers at field evaluations of one more
 * gradient), and the relative error of the gradient against the float64
 * exact gradient of the same discrete solve (the symplectic adjoint's tape on
 * float64 host arrays through the same host field).
 *
 * Prints one line `GRADIENTS_RESULT <GradientsOutcome as JSON>` on stdout.
 */
import { initBackend, Rng, tf } from 'odelab';
import type { GradientStrategy, Integrator, Model, Trajectory, Vjp } from 'odelab/plugin';
import { createRegistry, gradientContext } from 'odelab/node';
import { everyBoundary } from '../../core/ode/checkpoint-schedule.ts';
import { CheckpointTape } from '../../core/ode/checkpoint-tape.ts';
import { hostAlgebra, hostGradField } from '../../core/ode/checkpoint-values.ts';
import type { ReplayStats } from '../../core/ode/checkpoint.ts';
import type { HostField, HostFieldBinder } from '../../core/ode/host-field.ts';
import { RESULT_MARKER, type GradientsJob, type GradientsOutcome } from './gradients-job.ts';
import { watchPeak } from './tfjs-peak.ts';

interface Setup {
  model: Model;
  y0: tf.Tensor2D;
  dim: number;
  gradient: GradientStrategy;
  integrator: Integrator;
  func: (t: number, x: tf.Tensor) => tf.Tensor;
  vjp?: Vjp;
  hostField?: HostFieldBinder;
}

const SIGMA = 10;
const RHO = 28;
const BETA = 8 / 3;

/** Lorenz's field on rows of [x, y, z] (float64), added to `out`. */
function addLorenz(x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < x.length; r += 3) {
    const [a, b, c] = [x[r]!, x[r + 1]!, x[r + 2]!];
    out[r]! += SIGMA * (b - a);
    out[r + 1]! += a * (RHO - c) - b;
    out[r + 2]! += a * b - BETA * c;
  }
}

/** gᵀ J of Lorenz's field, added to dx. */
function addLorenzVjp(x: Float64Array, g: Float64Array, dx: Float64Array): void {
  for (let r = 0; r < x.length; r += 3) {
    const [a, b, c] = [x[r]!, x[r + 1]!, x[r + 2]!];
    const [g1, g2, g3] = [g[r]!, g[r + 1]!, g[r + 2]!];
    dx[r]! += -SIGMA * g1 + (RHO - c) * g2 + b * g3;
    dx[r + 1]! += SIGMA * g1 - g2 + a * g3;
    dx[r + 2]! += -a * g2 - BETA * g3;
  }
}

function lorenzTensor(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [a, b, c] = tf.unstack(x, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return tf.stack([tf.mul(tf.sub(b, a), SIGMA), tf.sub(tf.mul(a, tf.sub(RHO, c)), b), tf.sub(tf.mul(a, b), tf.mul(c, BETA))], 1);
  });
}

function lorenzVjpTensor(x: tf.Tensor, g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [a, b, c] = tf.unstack(x, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [g1, g2, g3] = tf.unstack(g, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return tf.stack(
      [tf.addN([tf.mul(g1, -SIGMA), tf.mul(tf.sub(RHO, c), g2), tf.mul(b, g3)]), tf.addN([tf.mul(g1, SIGMA), tf.neg(g2), tf.mul(a, g3)]), tf.sub(tf.neg(tf.mul(a, g2)), tf.mul(g3, BETA))],
      1,
    );
  });
}

/** The model's host field (plus Lorenz's for the 'lorenz' workload); `onValue` sees every evaluation. */
function hostOf(field: HostField, lorenz: boolean, onValue: () => void): HostField {
  return {
    value(t, x, out) {
      onValue();
      const saved = field.value(t, x, out);
      if (lorenz) addLorenz(x, out);
      return saved;
    },
    vjp(t, x, saved, g, dx, dParams) {
      field.vjp(t, x, saved, g, dx, dParams);
      if (lorenz) addLorenzVjp(x, g, dx);
    },
    discard: (saved) => field.discard(saved),
  };
}

let onValue = () => {};

function setup(job: GradientsJob): Setup {
  const registry = createRegistry();
  const rng = new Rng(job.seed);
  const lorenz = job.workload === 'lorenz';
  const lnn = job.workload === 'lnn';
  const dim = lorenz ? 3 : lnn ? 4 : 2;
  const scale = lorenz ? 10 : lnn ? 1 : 2;
  const model = lnn
    ? (() => {
        // The LNN (Cranmer et al.'s initialisation) on double-pendulum states: two angles and their velocities.
        const p = registry.get('model', 'lnn');
        return p.create(p.options.parse({ hidden: [job.hidden, job.hidden] }, 'model') as never, { stateDim: 4, coordinates: 2, angles: [true, true], seed: rng.uint32() });
      })()
    : (() => {
        const p = registry.get('model', 'mlp');
        return p.create(p.options.parse({ hidden: [job.hidden], activation: 'tanh' }, 'model') as never, { stateDim: dim, seed: rng.uint32() });
      })();
  const y0 = tf.tensor2d(Array.from({ length: job.batch * dim }, () => rng.range(-scale, scale)), [job.batch, dim]);
  const rk4 = registry.get('integrator', 'rk4');
  const rk4Options = rk4.options.parse({ step: job.span / job.steps }, 'integrator') as Record<string, unknown>;
  const plugin = registry.get('gradient', job.strategy);
  const gradient = plugin.create(plugin.options.parse(job.options, 'gradient') as never, gradientContext(registry.methods(), { name: 'rk4', options: rk4Options }));
  const func = (t: number, x: tf.Tensor) => {
    onValue();
    return lorenz ? tf.tidy(() => tf.add(model.vectorField(t, x), lorenzTensor(x))) : model.vectorField(t, x);
  };
  const vjp: Vjp | undefined = model.vjp
    ? (t, x, c) => {
        onValue();
        const r = model.vjp!(t, x, c);
        if (!lorenz) return r;
        const value = tf.tidy(() => tf.add(r.value, lorenzTensor(x)));
        const dx = tf.tidy(() => tf.add(r.dx, lorenzVjpTensor(x, c)));
        tf.dispose([r.value, r.dx]);
        return { value, dx, dParams: r.dParams };
      }
    : undefined;
  const hostField: HostFieldBinder | undefined = model.hostField
    ? (rows) => {
        const f = model.hostField!(rows);
        return f ? hostOf(f, lorenz, () => onValue()) : null;
      }
    : undefined;
  return { model, y0, dim, gradient, integrator: rk4.create(rk4Options as never), func, ...(vjp ? { vjp } : {}), ...(hostField ? { hostField } : {}) };
}

/** One gradient of Σ y(T)²: the parameters' gradients (flat) and the trajectory's statistics. */
function gradientOnce(s: Setup, job: GradientsJob): { grads: Float64Array; traj: Trajectory & { replay?: ReplayStats } } {
  let traj: Trajectory | undefined;
  const flat = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      traj = s.gradient.trajectory({ func: s.func, ...(s.vjp ? { vjp: s.vjp } : {}), ...(s.hostField ? { hostField: s.hostField } : {}), y0: s.y0, t: [0, job.span], integrator: s.integrator, params: s.model.variables });
      return tf.sum(tf.square(tf.slice(traj.ys, [1, 0, 0], [1, job.batch, s.dim]))) as tf.Scalar;
    }, s.model.variables);
    return s.model.variables.flatMap((v) => Array.from(grads[v.name]!.dataSync()));
  });
  return { grads: Float64Array.from(flat), traj: traj! };
}

/** The float64 exact gradient of the same discrete solve (every step's state kept, float64 host arrays). */
/** The reference gradient: float64 (through the host field), or, for a model without one (the LNN), backprop's on the tfjs tape. */
function reference(s: Setup, job: GradientsJob): Float64Array {
  if (!s.hostField) {
    const registry = createRegistry();
    const backprop = registry.get('gradient', 'backprop');
    return gradientOnce({ ...s, gradient: backprop.create({} as never, gradientContext(registry.methods(), { name: 'rk4', options: {} })) }, job).grads;
  }
  const field = s.hostField(job.batch)!;
  const dParams = s.model.variables.map((v) => new Float64Array(v.size));
  const tape = new CheckpointTape(hostGradField(field, dParams), hostAlgebra('float64'), everyBoundary, Infinity);
  const ys = tape.forward(s.integrator, Float64Array.from(s.y0.dataSync()), [0, job.span]);
  tape.backward((i) => (i === 1 ? ys[1]!.map((v) => 2 * v) : undefined));
  tape.dispose();
  return Float64Array.from(dParams.flatMap((d) => Array.from(d)));
}

function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Post-GC growth of heap + array buffers, sampled at `samples` field evaluations of one gradient. */
function hostKept(s: Setup, job: GradientsJob, evals: number, samples = 12): number | null {
  const collect = globalThis.gc;
  if (!collect) return null;
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  collect();
  const base = used();
  const every = Math.max(1, Math.floor(evals / samples));
  let calls = 0;
  let kept = 0;
  onValue = () => {
    if (++calls % every === 0) {
      collect();
      kept = Math.max(kept, used() - base);
      if (process.env.ODELAB_BENCH_DEBUG) { const m = process.memoryUsage(); process.stderr.write(`sample ${calls}: heap ${((m.heapUsed) / 1e6).toFixed(1)} MB, buffers ${(m.arrayBuffers / 1e6).toFixed(1)} MB, external ${(m.external / 1e6).toFixed(1)}\n`); }
    }
  };
  try {
    gradientOnce(s, job);
  } finally {
    onValue = () => {};
  }
  return kept;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as GradientsJob;
  await initBackend('cpu');
  const s = setup(job);
  gradientOnce(s, { ...job, span: (job.span * 10) / job.steps }); // warm-up: 10 steps
  // The first full gradient: memory (tfjs peak, host memory kept, RSS growth), its pools and caches filled here.
  const bytesBefore = tf.memory().numBytes;
  const maxRssBefore = process.resourceUsage().maxRSS;
  const evals = 4 * job.steps * 2;
  const first = watchPeak(() => hostKept(s, job, evals));
  const maxRssKiB = process.resourceUsage().maxRSS;
  const times: number[] = [];
  let last: ReturnType<typeof gradientOnce> | undefined;
  for (let r = 0; r < job.reps; r++) {
    const t1 = performance.now();
    last = gradientOnce(s, job);
    times.push(performance.now() - t1);
  }
  times.sort((a, b) => a - b);
  const { grads, traj } = last!;
  const outcome: GradientsOutcome = {
    forwardNfe: traj.forward.nfe,
    backwardNfe: traj.backward ? traj.backward.nfe : null,
    wallMs: times[Math.floor(times.length / 2)]!,
    tfjsPeakBytes: first.peakBytes - bytesBefore,
    hostKeptBytes: first.result,
    snapshotBytes: traj.replay?.tape?.peakSnapshotBytes ?? null,
    rssGrowthKiB: maxRssKiB - maxRssBefore,
    maxRssKiB,
    error: relativeError(grads, reference(s, job)),
  };
  process.stdout.write(`${RESULT_MARKER} ${JSON.stringify(outcome)}\n`);
}

await main();
