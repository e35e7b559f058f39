/**
 * Checkpointed backprop (diffrax's RecursiveCheckpointAdjoint; Griewank &
 * Walther's binomial checkpointing) as one tfjs custom gradient: the exact
 * discrete gradient of the solve, as backprop's, holding only a few states.
 *
 * Forward: the solve runs inside the custom op on a checkpoint tape
 * (checkpoint-tape.ts), which keeps the snapshots a placement asks for:
 * revolve's when the number of steps is known (fixed-step methods: counted
 * by a dry run of the integrator), the online scheme otherwise
 * (checkpoint-schedule.ts). Backward: the tape reverses the solve segment by
 * segment, recomputing from the snapshots, and hands the gradients for y0
 * and every parameter to tfjs, so tf.variableGrads works as with backprop.
 * With a model's host field (and no running cost) values are float64 host
 * arrays, as backprop's host tape; otherwise tensors, each field
 * evaluation's product taken on its own.
 *
 * The snapshots live from the forward pass to the gradient: call it inside
 * the gradient scope whose loss uses the trajectory (as any strategy).
 */
import type { Trajectory, TrajectoryRequest } from '../gradient.ts';
import { tf } from '../tensor/tf.ts';
import { binomialPlacement, onlinePlacement, type Placement } from './checkpoint-schedule.ts';
import { CheckpointTape, type GradField, type TapeStats, type ValueAlgebra } from './checkpoint-tape.ts';
import { hostAlgebra, hostGradField, tensorAlgebra, tensorGradField } from './checkpoint-values.ts';
import type { HostField } from './host-field.ts';
import { augmentWithCost } from './running-cost.ts';
import { emptyStats, type Integrator, type SolveStats, type StateOps } from './types.ts';

export interface CheckpointSettings {
  /** Snapshots in all, the initial state included (≥ 2). */
  checkpoints?: number;
  /** Or a budget in MiB for the snapshots' values. */
  memoryMiB?: number;
}

/** The default number of snapshots when neither option is given. */
export const DEFAULT_CHECKPOINTS = 64;

/** A snapshot plan: how many, and where the forward pass stores them. */
export interface SnapshotPlan {
  slots: number;
  placement: Placement;
}

/** The number of steps a fixed-step integrator takes through t (a dry run on numbers; null for adaptive ones). */
export function countSteps(integrator: Integrator, t: readonly number[]): number | null {
  if (integrator.adaptive) return null;
  let steps = 0;
  const ops: StateOps<number> = {
    precision: 'float64',
    combine: () => 0,
    scaledSquares: (xs) => ({ sums: xs.map(() => 0), count: 1, finite: true }),
    errorSquares: (_h, w) => ({ sums: w.map(() => 0), count: 1, finite: true }),
    scope: (fn) => {
      steps++;
      return fn();
    },
  };
  integrator.solve(() => 0, 0, t, ops);
  return steps;
}

/** The checkpoint strategy's plan for a state of `stateBytes` bytes. */
export function checkpointPlan(settings: CheckpointSettings, integrator: Integrator, t: readonly number[], stateBytes: number): SnapshotPlan {
  // An adaptive step carries two values into the next (y and f(t, y)); a fixed step one.
  const perSnapshot = stateBytes * (integrator.adaptive ? 2 : 1);
  const slots = Math.max(2, settings.memoryMiB !== undefined ? Math.floor((settings.memoryMiB * 2 ** 20) / perSnapshot) : (settings.checkpoints ?? DEFAULT_CHECKPOINTS));
  const steps = countSteps(integrator, t);
  // Boundaries: the start, then one per step.
  return { slots, placement: steps === null ? onlinePlacement(Math.floor(slots / 2)) : binomialPlacement(steps + 1, slots) };
}

/** Statistics of a replayed gradient: the forward solve's, then (once the gradient is taken) the backward pass's. */
export interface ReplayStats {
  forward: SolveStats;
  backward: SolveStats;
  /** The tape's counters (snapshots held at the peak, vector-Jacobian products), once the gradient is taken. */
  tape?: TapeStats;
}

function record<V>(stats: ReplayStats, tape: CheckpointTape<V>): void {
  Object.assign(stats.forward, { nfe: tape.stats.nfe, steps: tape.stats.steps, rejected: tape.stats.rejected });
}

function finish<V>(stats: ReplayStats, tape: CheckpointTape<V>): void {
  Object.assign(stats.backward, { nfe: tape.stats.backwardNfe, steps: tape.stats.steps, rejected: 0 });
  stats.tape = { ...tape.stats };
}

/** On host memory through the model's host field (y0 [rows, dim], no running cost). */
function hostTrajectory(req: TrajectoryRequest, field: HostField, plan: (bytes: number) => SnapshotPlan, stats: ReplayStats): tf.Tensor {
  const { y0, t, params } = req;
  const op = tf.customGrad((..._inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const dParams = params.map((p) => new Float64Array(p.size));
    const p = plan(y0.size * 8);
    const tape = new CheckpointTape(hostGradField(field, dParams), hostAlgebra('float32'), p.placement, p.slots);
    const ys = tape.forward(req.integrator, Float64Array.from(y0.dataSync()), t);
    record(stats, tape);
    const size = y0.size;
    const flat = new Float32Array(ys.length * size);
    ys.forEach((y, i) => flat.set(y, i * size));
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]) => {
      const g = (dy as tf.Tensor).dataSync();
      const dy0 = tape.backward((i) => Float64Array.from(g.subarray(i * size, (i + 1) * size)));
      tape.dispose();
      finish(stats, tape);
      return [tf.tensor(Float32Array.from(dy0), y0.shape), ...dParams.map((d, i) => tf.tensor(Float32Array.from(d), params[i]!.shape))];
    };
    return { value: tf.tensor(flat, [ys.length, ...y0.shape]), gradFunc };
  });
  return op(y0, ...params) as tf.Tensor;
}

/** On tensors: [T, n] (or [T, n + 1] with the running cost as the last entry), flat. */
function tensorTrajectory(req: TrajectoryRequest, plan: (bytes: number) => SnapshotPlan, stats: ReplayStats): tf.Tensor {
  const { t, params } = req;
  const withCost = req.runningCost !== undefined;
  const op = tf.customGrad((...args: unknown[]) => {
    const y0 = args[0] as tf.Tensor;
    const aug = withCost ? augmentWithCost(req.func, req.runningCost!, y0) : null;
    const z0 = aug ? aug.z0 : y0;
    const field = tensorGradField(aug ? aug.func : req.func, params, aug ? undefined : req.vjp);
    const p = plan(z0.size * 4);
    const tape = new CheckpointTape<tf.Tensor>(field as GradField<tf.Tensor>, tensorAlgebra as ValueAlgebra<tf.Tensor>, p.placement, p.slots);
    const ys = tape.forward(req.integrator, z0, t);
    if (aug) z0.dispose();
    record(stats, tape);
    const width = z0.size;
    const value = tf.tidy(() => tf.reshape(tf.stack(ys), [ys.length * width]));
    tf.dispose(ys);
    const gradFunc = (dz: tf.Tensor | tf.Tensor[]) => {
      const rows = tf.tidy(() => tf.unstack(tf.reshape(dz as tf.Tensor, [t.length, ...z0.shape])));
      const g0 = tape.backward((i) => tf.clone(rows[i]!));
      tape.dispose();
      tf.dispose(rows);
      finish(stats, tape);
      const dy0 = aug ? tf.tidy(() => tf.reshape(tf.slice(g0, [0], [y0.size]), y0.shape)) : g0;
      if (aug) g0.dispose();
      return [dy0, ...field.grads()];
    };
    return { value, gradFunc };
  });
  return op(req.y0, ...params) as tf.Tensor;
}

/**
 * The trajectory of `req` whose gradients come from replaying its recorded
 * steps with the snapshots `plan` places (given a state's bytes).
 */
export function replayTrajectory(req: TrajectoryRequest, plan: (stateBytes: number) => SnapshotPlan, stats: ReplayStats = { forward: emptyStats(), backward: emptyStats() }): Trajectory & { replay: ReplayStats } {
  const steps = req.t.length;
  const host = !req.runningCost && req.hostField && req.y0.rank === 2 && req.y0.dtype === 'float32' ? req.hostField(req.y0.shape[0]!) : null;
  if (host) return { ys: hostTrajectory(req, host, plan, stats), forward: stats.forward, backward: stats.backward, replay: stats };
  const out = tensorTrajectory(req, plan, stats);
  const n = req.y0.size;
  if (!req.runningCost) return { ys: tf.reshape(out, [steps, ...req.y0.shape]), forward: stats.forward, backward: stats.backward, replay: stats };
  const table = tf.reshape(out, [steps, n + 1]);
  return {
    ys: tf.reshape(tf.slice(table, [0, 0], [steps, n]), [steps, ...req.y0.shape]),
    cost: tf.reshape(tf.slice(table, [steps - 1, n], [1, 1]), []) as tf.Scalar,
    forward: stats.forward,
    backward: stats.backward,
    replay: stats,
  };
}

/** Checkpointed backprop: the exact discrete gradient with `settings`' snapshots. */
export function checkpointTrajectory(req: TrajectoryRequest, settings: CheckpointSettings = {}): Trajectory & { replay: ReplayStats } {
  return replayTrajectory(req, (bytes) => checkpointPlan(settings, req.integrator, req.t, bytes));
}
