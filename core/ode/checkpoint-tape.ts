/**
 * Exact discrete gradients of an explicit solve at bounded memory: the
 * solver's own steps recorded as structure only, snapshots of the few states
 * carried between steps, and recomputation.
 *
 * The forward pass runs the experiment's integrator unchanged on a state
 * algebra whose states are ids: its two differentiable operations, f(t, x)
 * and the combination y + h Σ c_j k_j, are recorded as nodes (times, step
 * sizes, coefficients and ids, no values), and every solver step (its
 * `scope`) is a boundary. Values live only as long as the solver holds them,
 * except the snapshots a Placement asks for: the states carried into a step
 * (y, and k₁ for FSAL or dense-output methods). Step sizes are numbers, so
 * the accepted steps of an adaptive solve (and its dense-output
 * interpolations) are replayed exactly; the step-size selection is not
 * differentiated, as in backprop through odelab's solvers and torchdiffeq's.
 *
 * After the forward pass the nodes no output depends on (rejected attempts,
 * the starting-step heuristic) are pruned, and each snapshot keeps only the
 * values later nodes read. The backward pass reverses the segments between
 * boundaries from the last to the first, recomputing a segment from the
 * nearest snapshot (binomially, checkpoint-schedule.ts), then replaying it
 * with its field evaluations' saved values and pulling the cotangents through
 * it node by node: for one Runge-Kutta step that is the stage-wise reverse
 * mode κ_i = h(b_i λ + Σ_{j>i} a_ji μ_j), μ_i = J_iᵀ κ_i, which for nonzero
 * weights is the adjoint integrated by the symplectic partner of the method
 * (symplectic-adjoint.ts). The result equals backprop's to rounding.
 */
import { ConfigError } from '../errors.ts';
import type { Placement } from './checkpoint-schedule.ts';
import { splitPoint } from './checkpoint-schedule.ts';
import { inputsOf, NodeStore, type Node } from './checkpoint-nodes.ts';
import type { Integrator, ScaledSquares, StateOps, Tolerance } from './types.ts';

/** A differentiable vector field on values V; parameter gradients are accumulated by the field itself. */
export interface GradField<V> {
  value(t: number, x: V): { y: V; saved: unknown };
  /** gᵀ ∂f/∂x at (t, x) as a new value; adds gᵀ ∂f/∂θ to the field's parameter gradients. Consumes `saved`. */
  vjp(t: number, x: V, saved: unknown, g: V): V;
  /** Give back `saved` when no vjp follows. */
  discard(saved: unknown): void;
}

/** The arithmetic the tape needs on values. */
export interface ValueAlgebra<V> {
  precision: StateOps<V>['precision'];
  combine(y: V, h: number, coeffs: readonly number[], ks: readonly V[]): V;
  scaledSquares(xs: readonly V[], refs: readonly V[], tol: Tolerance): ScaledSquares;
  errorSquares(h: number, weights: readonly (readonly number[])[], ks: readonly V[], refs: readonly V[], tol: Tolerance): ScaledSquares;
  /** acc + s·x: may update `acc` in place and return it; a new value when acc is undefined. Never consumes x. */
  addScaled(acc: V | undefined, s: number, x: V): V;
  /** A reference to v that survives dispose(v) (tensors: a clone sharing the data). */
  keep(v: V): V;
  dispose(v: V): void;
  /** Bytes of one value. */
  bytes(v: V): number;
}

/** The solver's view of a state: an id. */
interface Ref {
  readonly id: number;
}

export interface TapeStats {
  nfe: number;
  steps: number;
  rejected: number;
  /** Field evaluations of the backward pass (recomputation and replay) and vector-Jacobian products. */
  backwardNfe: number;
  vjps: number;
  /** The most snapshot values held at once (forward or backward), and their bytes. */
  peakSnapshotValues: number;
  peakSnapshotBytes: number;
}

/** A recorded forward solve, ready to be reversed (once). */
export class CheckpointTape<V> {
  private readonly nodes = new NodeStore();
  /** Node index at each boundary; boundary 0 is the start. */
  private readonly boundaries: number[] = [0];
  private readonly alive = new Map<number, V>();
  private readonly snapshots = new Map<number, Map<number, V>>();
  private nextId = 0;
  private outputIds: number[] = [];
  private lastUse: Int32Array = new Int32Array(0);
  private needed: Uint8Array = new Uint8Array(0);
  private y0Value?: V;
  private held = 0;
  private heldBytes = 0;
  readonly stats: TapeStats = { nfe: 0, steps: 0, rejected: 0, backwardNfe: 0, vjps: 0, peakSnapshotValues: 0, peakSnapshotBytes: 0 };

  constructor(
    private readonly field: GradField<V>,
    private readonly algebra: ValueAlgebra<V>,
    private readonly placement: Placement,
    /** Snapshots the whole budget allows (the backward pass's recursion uses what the forward leaves). */
    private readonly slots: number,
  ) {}

  /** Run `integrator` from y0 through t, recording; returns the outputs' values. */
  forward(integrator: Integrator, y0: V, t: readonly number[]): V[] {
    if (integrator.implicit || integrator.requiresSeparable) {
      throw new ConfigError('gradient.name', `gradient.name: checkpointed gradients replay explicit Runge-Kutta steps; '${integrator.name}' is ${integrator.implicit ? 'implicit' : 'a separable (q, q̇) method'}: use backprop or the adjoint`);
    }
    const start = this.fresh(this.algebra.keep(y0));
    this.y0Value = this.algebra.keep(y0);
    this.snapshot(0, [start.id]);
    const sol = integrator.solve((tt: number, x: Ref) => this.f(tt, x), start, t, this.makeOps());
    this.stats.nfe = sol.stats.nfe;
    this.stats.steps = sol.stats.steps;
    this.stats.rejected = sol.stats.rejected;
    this.outputIds = sol.ys.map((r) => r.id);
    const values = this.outputIds.map((id) => this.algebra.keep(this.alive.get(id)!));
    for (const v of this.alive.values()) this.algebra.dispose(v);
    this.alive.clear();
    this.analyse();
    return values;
  }

  private fresh(v: V): Ref {
    const ref = { id: this.nextId++ };
    this.alive.set(ref.id, v);
    return ref;
  }

  private valueOf(r: Ref): V {
    const v = this.alive.get(r.id);
    if (v === undefined) throw new Error(`checkpoint tape: the solver used state ${r.id} after releasing it`);
    return v;
  }

  private f(t: number, x: Ref): Ref {
    const { y, saved } = this.field.value(t, this.valueOf(x));
    this.field.discard(saved);
    const out = this.fresh(y);
    this.nodes.push({ kind: 'f', t, x: x.id, out: out.id });
    return out;
  }

  /** The state algebra the integrator sees: ids, with the values' arithmetic and lifetimes. */
  private makeOps(): StateOps<Ref> {
    return {
      precision: this.algebra.precision,
      combine: (y, h, coeffs, ks) => {
        const out = this.fresh(this.algebra.combine(this.valueOf(y), h, coeffs, ks.map((k) => this.valueOf(k))));
        this.nodes.push({ kind: 'c', y: y.id, h, coeffs, ks: ks.map((k) => k.id), out: out.id });
        return out;
      },
      scaledSquares: (xs, refs, tol) => this.algebra.scaledSquares(xs.map((x) => this.valueOf(x)), refs.map((x) => this.valueOf(x)), tol),
      errorSquares: (h, w, ks, refs, tol) => this.algebra.errorSquares(h, w, ks.map((x) => this.valueOf(x)), refs.map((x) => this.valueOf(x)), tol),
      release: (r) => this.release(r.id),
      scope: (fn) => {
        this.boundary();
        const first = this.nextId;
        const kept = fn();
        const keep = new Set(kept.map((r) => r.id));
        for (const id of [...this.alive.keys()]) if (id >= first && !keep.has(id)) this.release(id);
        return kept;
      },
    };
  }

  private release(id: number): void {
    const v = this.alive.get(id);
    if (v === undefined) return;
    this.algebra.dispose(v);
    this.alive.delete(id);
  }

  /** A step starts: snapshot the values the previous segment made or read, if the placement says so. */
  private boundary(): void {
    const b = this.boundaries.length;
    const from = this.boundaries[b - 1]!;
    this.boundaries.push(this.nodes.length);
    for (const d of this.placement.drop()) this.unsnapshot(d);
    if (!this.placement.store(b)) return;
    const touched = new Set<number>();
    for (let i = from; i < this.nodes.length; i++) {
      const n = this.nodes.get(i);
      touched.add(n.out);
      for (const x of inputsOf(n)) touched.add(x);
    }
    if (b === 1) for (const id of this.alive.keys()) touched.add(id);
    this.snapshot(b, [...touched].filter((id) => this.alive.has(id)));
  }

  private snapshot(b: number, ids: readonly number[]): void {
    const m = new Map<number, V>();
    for (const id of ids) m.set(id, this.algebra.keep(this.alive.get(id)!));
    this.store(b, m);
  }

  private store(b: number, m: Map<number, V>): void {
    this.snapshots.set(b, m);
    this.account(m, 1);
  }

  private unsnapshot(b: number): void {
    const m = this.snapshots.get(b);
    if (!m) return;
    this.snapshots.delete(b);
    this.account(m, -1);
    for (const v of m.values()) this.algebra.dispose(v);
  }

  private account(m: Map<number, V>, sign: 1 | -1): void {
    for (const v of m.values()) {
      this.held += sign;
      this.heldBytes += sign * this.algebra.bytes(v);
    }
    this.stats.peakSnapshotValues = Math.max(this.stats.peakSnapshotValues, this.held);
    this.stats.peakSnapshotBytes = Math.max(this.stats.peakSnapshotBytes, this.heldBytes);
  }

  /** Prune nodes no output depends on; last uses; snapshots cut to the values read after them. */
  private analyse(): void {
    const n = this.nodes.length;
    const producer = new Int32Array(this.nextId).fill(-1);
    for (let i = 0; i < n; i++) producer[this.nodes.out(i)] = i;
    this.needed = new Uint8Array(n);
    const want = new Uint8Array(this.nextId);
    for (const id of this.outputIds) want[id] = 1;
    for (let i = n - 1; i >= 0; i--) {
      if (!want[this.nodes.out(i)]) continue;
      this.needed[i] = 1;
      for (const x of inputsOf(this.nodes.get(i))) want[x] = 1;
    }
    this.lastUse = new Int32Array(this.nextId).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!this.needed[i]) continue;
      for (const x of inputsOf(this.nodes.get(i))) this.lastUse[x] = i;
    }
    for (const [b, m] of [...this.snapshots]) {
      const at = this.boundaries[b]!;
      const cut = new Map<number, V>();
      for (const [id, v] of m) {
        if (this.lastUse[id]! >= at && producer[id]! < at) cut.set(id, v);
        else this.algebra.dispose(v);
      }
      this.account(m, -1);
      this.store(b, cut);
    }
  }

  private end(b: number): number {
    return b + 1 < this.boundaries.length ? this.boundaries[b + 1]! : this.nodes.length;
  }

  /** A copy of snapshot b's references (the snapshot itself stays). */
  private load(b: number): Map<number, V> {
    const m = this.snapshots.get(b);
    if (!m) throw new Error(`checkpoint tape: no snapshot at boundary ${b}`);
    return new Map([...m].map(([id, v]) => [id, this.algebra.keep(v)]));
  }

  /** Evaluate the needed nodes of segments [from, to) on env, keeping only what later segments read. */
  private advance(env: Map<number, V>, from: number, to: number): void {
    for (let b = from; b < to; b++) {
      const stop = this.end(b);
      for (let i = this.boundaries[b]!; i < stop; i++) {
        if (!this.needed[i]) continue;
        const node = this.nodes.get(i);
        env.set(node.out, this.evaluate(node, env, null));
      }
      for (const [id, v] of [...env]) {
        if (this.lastUse[id]! < stop) {
          this.algebra.dispose(v);
          env.delete(id);
        }
      }
    }
  }

  private evaluate(node: Node, env: Map<number, V>, saved: Map<number, unknown> | null): V {
    const get = (id: number) => {
      const v = env.get(id);
      if (v === undefined) throw new Error(`checkpoint tape: value ${id} missing on replay`);
      return v;
    };
    if (node.kind === 'c') return this.algebra.combine(get(node.y), node.h, node.coeffs, node.ks.map(get));
    this.stats.backwardNfe++;
    const { y, saved: s } = this.field.value(node.t, get(node.x));
    if (saved) saved.set(node.out, s);
    else this.field.discard(s);
    return y;
  }

  /**
   * Reverse the whole solve. `seed(i)` is the cotangent of output i (or
   * undefined for none); returns the cotangent of y0 (the field holds the
   * parameters' gradients).
   */
  backward(seed: (i: number) => V | undefined): V {
    const cot = new Map<number, V>();
    const seedsAt = new Map<number, number[]>();
    this.outputIds.forEach((id, i) => seedsAt.set(id, [...(seedsAt.get(id) ?? []), i]));
    const add = (id: number, s: number, x: V) => cot.set(id, this.algebra.addScaled(cot.get(id), s, x));
    const seedOutput = (id: number) => {
      for (const i of seedsAt.get(id) ?? []) {
        const g = seed(i);
        if (g) add(id, 1, g);
      }
    };
    const stored = [...this.snapshots.keys()].sort((a, b) => a - b);
    const segments = this.boundaries.length;
    for (let j = stored.length - 1; j >= 0; j--) {
      const from = stored[j]!;
      const to = j + 1 < stored.length ? stored[j + 1]! : segments;
      this.reverseRange(from, to, Math.max(0, this.slots - (j + 1)), cot, add, seedOutput);
      this.unsnapshot(from);
    }
    seedOutput(0);
    const g0 = cot.get(0) ?? this.algebra.addScaled(undefined, 0, this.y0Value!);
    for (const [id, v] of cot) if (id !== 0) this.algebra.dispose(v);
    return g0;
  }

  /** Reverse segments [a, b) from the snapshot at a, with `free` more snapshots available. */
  private reverseRange(a: number, b: number, free: number, cot: Map<number, V>, add: (id: number, s: number, x: V) => void, seedOutput: (id: number) => void): void {
    if (b - a === 1) {
      const env = this.load(a);
      this.reverseSegment(a, env, cot, add, seedOutput);
      return;
    }
    if (free === 0) {
      for (let m = b - 1; m >= a; m--) {
        const env = this.load(a);
        this.advance(env, a, m);
        this.reverseSegment(m, env, cot, add, seedOutput);
      }
      return;
    }
    const mid = a + splitPoint(b - a, free);
    const env = this.load(a);
    this.advance(env, a, mid);
    this.store(mid, env);
    this.reverseRange(mid, b, free - 1, cot, add, seedOutput);
    this.unsnapshot(mid);
    this.reverseRange(a, mid, free, cot, add, seedOutput);
  }

  /** Replay segment b from env (the values live at its start, consumed) and pull the cotangents through it. */
  private reverseSegment(b: number, env: Map<number, V>, cot: Map<number, V>, add: (id: number, s: number, x: V) => void, seedOutput: (id: number) => void): void {
    const start = this.boundaries[b]!;
    const stop = this.end(b);
    const saved = new Map<number, unknown>();
    for (let i = start; i < stop; i++) {
      if (!this.needed[i]) continue;
      const node = this.nodes.get(i);
      env.set(node.out, this.evaluate(node, env, saved));
    }
    for (let i = stop - 1; i >= start; i--) {
      if (!this.needed[i]) continue;
      const node = this.nodes.get(i);
      seedOutput(node.out);
      const g = cot.get(node.out);
      cot.delete(node.out);
      if (node.kind === 'f') {
        const s = saved.get(node.out);
        if (!g) {
          this.field.discard(s);
          continue;
        }
        this.stats.vjps++;
        const dx = this.field.vjp(node.t, env.get(node.x)!, s, g);
        add(node.x, 1, dx);
        this.algebra.dispose(dx);
      } else if (g) {
        add(node.y, 1, g);
        node.ks.forEach((k, j) => {
          const c = node.h * node.coeffs[j]!;
          if (c !== 0) add(k, c, g);
        });
      }
      if (g) this.algebra.dispose(g);
    }
    for (const v of env.values()) this.algebra.dispose(v);
  }

  /** Free every value still held (after backward, or when no gradient will be asked for). */
  dispose(): void {
    for (const b of [...this.snapshots.keys()]) this.unsnapshot(b);
    if (this.y0Value) this.algebra.dispose(this.y0Value);
    this.y0Value = undefined;
  }
}
