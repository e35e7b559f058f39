/**
 * Backpropagation through a whole solve as one tfjs op, on host memory.
 *
 * On the tape every stage of every step is several tfjs ops (the vector
 * field, the Runge-Kutta combination, the saved inputs, the accumulated
 * gradient of each variable per use), each some microseconds of
 * bookkeeping and garbage whatever the size; for the small networks of
 * neural ODEs that is most of a training step. When the model offers a host
 * vector field (HostField), the solve runs in float64 on plain arrays with
 * the experiment's own integrator, recording its two operations (f and the
 * combination y + h Σ c_j k_j) on a host tape, and the gradient op walks that
 * tape backwards: the same discretise-then-optimise gradient as the tfjs tape
 * (step-size control is not differentiated in either), in float64.
 */
import type { Trajectory, TrajectoryRequest } from '../gradient.ts';
import { Float64Pool } from '../tensor/float64-pool.ts';
import { tf } from '../tensor/tf.ts';
import { float64Ops } from './float64-ops.ts';
import type { HostField } from './host-field.ts';
import { addLincombFlat } from './scaled-norm.ts';
import type { SolveStats, StateOps } from './types.ts';

/**
 * Arrays of finished tapes by length, reused by the next solve: a training
 * step records a few hundred states and cotangents of one size, and fresh
 * typed arrays each step would keep the garbage collector's helper threads busy.
 */
const arrays = new Float64Pool(4096);

type Node =
  | { kind: 'f'; t: number; x: Float64Array; y: Float64Array; saved: unknown }
  | { kind: 'combine'; y: Float64Array; h: number; coeffs: readonly number[]; ks: readonly Float64Array[]; out: Float64Array };

/** The solver's view: float64 arrays whose two differentiable operations are recorded. */
class HostTape {
  readonly nodes: Node[] = [];
  /** Every array this tape handed out (states, stages, cotangents): given back after the backward pass. */
  private readonly owned: Float64Array[] = [];
  constructor(private readonly field: HostField) {}

  /** A fresh array (contents undefined) owned by this tape. */
  array(n: number): Float64Array {
    const a = arrays.take(n);
    this.owned.push(a);
    return a;
  }

  readonly f = (t: number, x: Float64Array): Float64Array => {
    const y = this.array(x.length);
    const saved = this.field.value(t, x, y);
    this.nodes.push({ kind: 'f', t, x, y, saved });
    return y;
  };

  readonly ops: StateOps<Float64Array> = {
    // The tolerances and their floor of the float32 training path: the same steps as on the tfjs tape.
    precision: 'float32',
    combine: (y, h, coeffs, ks) => {
      const out = this.array(y.length);
      out.set(y);
      addLincombFlat(out, h, coeffs, ks);
      this.nodes.push({ kind: 'combine', y, h, coeffs: [...coeffs], ks: [...ks], out });
      return out;
    },
    scaledSquares: float64Ops.scaledSquares,
    errorSquares: float64Ops.errorSquares,
  };

  /**
   * Reverse mode: cotangents of the outputs `ys` (g, [T, size]) back to the
   * initial state and the parameters (added to dParams).
   */
  backward(ys: readonly Float64Array[], g: Float32Array, dParams: readonly Float64Array[]): Float64Array {
    const cot = new Map<Float64Array, Float64Array>();
    const of = (x: Float64Array) => {
      let c = cot.get(x);
      if (!c) cot.set(x, (c = this.array(x.length).fill(0)));
      return c;
    };
    ys.forEach((y, i) => {
      const c = of(y);
      for (let k = 0; k < y.length; k++) c[k] += g[i * y.length + k]!;
    });
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      const out = node.kind === 'f' ? node.y : node.out;
      const gOut = cot.get(out);
      if (node.kind === 'f') {
        if (gOut) this.field.vjp(node.t, node.x, node.saved, gOut, of(node.x), dParams);
        else this.field.discard(node.saved);
      } else if (gOut) {
        const cy = of(node.y);
        for (let k = 0; k < gOut.length; k++) cy[k] += gOut[k]!;
        node.ks.forEach((kj, j) => {
          const c = node.h * node.coeffs[j]!;
          if (c === 0) return;
          const ck = of(kj);
          for (let k = 0; k < gOut.length; k++) ck[k] += c * gOut[k]!;
        });
      }
      // An intermediate's cotangent is complete once its producer is reached; the initial state's is the result.
      if (gOut && out !== ys[0]) cot.delete(out);
    }
    return of(ys[0]!);
  }

  /** Give every array back for the next solve (none may be used after). */
  release(): void {
    for (const a of this.owned) arrays.give(a);
    this.owned.length = 0;
    this.nodes.length = 0;
  }
}

/**
 * The trajectory of `req` (no running cost; y0 [rows, dim]) through the host
 * field, as one op whose gradient reaches y0 and `req.params`.
 */
export function hostBackpropTrajectory(req: TrajectoryRequest, field: HostField): Trajectory {
  const { y0, t, integrator, params } = req;
  let stats: SolveStats | undefined;
  const solve = tf.customGrad((..._inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tape = new HostTape(field);
    const x0 = tape.array(y0.size);
    x0.set(y0.dataSync());
    const sol = integrator.solve(tape.f, x0, t, tape.ops);
    stats = sol.stats;
    const size = x0.length;
    const flat = new Float32Array(sol.ys.length * size);
    sol.ys.forEach((y, i) => flat.set(y, i * size));
    const value = tf.tensor(flat, [sol.ys.length, ...y0.shape]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]) => {
      const g = (dy as tf.Tensor).dataSync() as Float32Array;
      const dParams = params.map((p) => new Float64Array(p.size));
      const dy0 = Float32Array.from(tape.backward(sol.ys, g, dParams));
      tape.release();
      return [tf.tensor(dy0, y0.shape), ...dParams.map((d, i) => tf.tensor(Float32Array.from(d), params[i]!.shape))];
    };
    return { value, gradFunc };
  });
  const ys = solve(y0, ...params);
  return { ys, forward: stats! };
}
