/**
 * Float64Arrays by length, given back and taken again: host loops that run
 * many times per training step reuse their arrays instead of allocating
 * fresh ones (off-heap backing stores, freed by the garbage collector's
 * helper threads). Capped per length: arrays beyond the cap are left to the GC.
 */
export class Float64Pool {
  private readonly free = new Map<number, Float64Array[]>();
  constructor(private readonly capPerLength: number) {}

  /** An array of length n (contents undefined). */
  take(n: number): Float64Array {
    return this.free.get(n)?.pop() ?? new Float64Array(n);
  }

  /** Give an array back (it must not be used after). */
  give(a: Float64Array): void {
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    if (list.length < this.capPerLength) list.push(a);
  }
}
