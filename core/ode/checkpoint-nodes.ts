/**
 * The nodes a checkpoint tape records (checkpoint-tape.ts): a field
 * evaluation f(t, x) or a combination y + h Σ c_j k_j, by state ids.
 */

export type Node =
  | { kind: 'f'; t: number; x: number; out: number }
  | { kind: 'c'; y: number; h: number; coeffs: readonly number[]; ks: readonly number[]; out: number };

export const inputsOf = (n: Node): readonly number[] => (n.kind === 'f' ? [n.x] : [n.y, ...n.ks]);

/** Growable typed storage. */
class Grow<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(Math.max(64, 2 * this.data.length));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * The recorded nodes as columns (a few dozen bytes per node, not an object
 * each: the structure is O(steps · stages), and is most of what a
 * checkpointed gradient holds besides its snapshots).
 */
export class NodeStore {
  private readonly kind = new Grow(new Uint8Array(0));
  /** t of an f node, h of a combination. */
  private readonly time = new Grow(new Float64Array(0));
  /** x of an f node, y of a combination. */
  private readonly input = new Grow(new Int32Array(0));
  private readonly output = new Grow(new Int32Array(0));
  private readonly ksStart = new Grow(new Int32Array(0));
  private readonly ks = new Grow(new Int32Array(0));
  /** Coefficient rows by reference (a tableau's rows are shared by every step). */
  private readonly coeffs: (readonly number[] | undefined)[] = [];

  get length(): number {
    return this.kind.length;
  }

  push(node: Node): void {
    this.kind.push(node.kind === 'f' ? 0 : 1);
    this.time.push(node.kind === 'f' ? node.t : node.h);
    this.input.push(node.kind === 'f' ? node.x : node.y);
    this.output.push(node.out);
    this.ksStart.push(this.ks.length);
    if (node.kind === 'c') for (const k of node.ks) this.ks.push(k);
    this.coeffs.push(node.kind === 'c' ? node.coeffs : undefined);
  }

  out(i: number): number {
    return this.output.data[i]!;
  }

  get(i: number): Node {
    const out = this.output.data[i]!;
    if (this.kind.data[i] === 0) return { kind: 'f', t: this.time.data[i]!, x: this.input.data[i]!, out };
    const end = i + 1 < this.length ? this.ksStart.data[i + 1]! : this.ks.length;
    return { kind: 'c', y: this.input.data[i]!, h: this.time.data[i]!, coeffs: this.coeffs[i]!, ks: Array.from(this.ks.data.subarray(this.ksStart.data[i]!, end)), out };
  }
}
