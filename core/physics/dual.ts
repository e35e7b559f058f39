/**
 * Second-order forward-mode differentiation in float64: a "jet" that carries
 * a value together with its gradient and Hessian over k seed variables.
 *
 * Mechanism. Every `Dual` holds, for some function u(x1..xk) evaluated at one
 * point, the truncated Taylor expansion
 *   u(x + δ) ≈ u + Σ_i g_i δ_i + ½ Σ_ij H_ij δ_i δ_j,
 * packed in one float64 array as [u, g_0..g_{k-1}, H upper triangle row by row]
 * (H is symmetric, so k(k+1)/2 entries). Seed variables are x_i with g = e_i
 * and H = 0; constants have g = H = 0. Each operation applies the
 * second-order chain rule to its inputs' jets:
 *   unary f(u):   g' = f'(u) g,            H' = f'(u) H + f''(u) g gᵀ
 *   product u v:  g' = u g_v + v g_u,      H' = u H_v + v H_u + g_u g_vᵀ + g_v g_uᵀ
 *   quotient u/v: g' = (g_u − w g_v) / v,  H' = (H_u − w H_v − g' g_vᵀ − g_v g'ᵀ) / v, w = u/v
 * so one evaluation of an expression gives its value, exact gradient and
 * exact Hessian (to rounding), the "hyper-dual" result for all k² pairs at
 * once (Fike & Alonso 2011 compute one Hessian entry per pass; a jet computes
 * all of them, at O(k²) per operation).
 *
 * A jet with k = 0 is a plain constant and combines with jets of any k; plain
 * numbers are accepted wherever a Dual is, so a Lagrangian reads like
 * arithmetic: `qd[0].sq().mul(0.5 * m).sub(q[0].cos().mul(-m * g * l))`.
 */

/** A value with its gradient and Hessian over k seed variables (see the file's doc). */
export class Dual {
  /** Number of seed variables. */
  readonly k: number;
  /**
   * [value, gradient (k), Hessian upper triangle (k(k+1)/2)]. A plain array:
   * V8 allocates small arrays about ten times faster than small Float64Arrays,
   * and every operation allocates one (its elements are still float64).
   */
  private readonly d: number[];

  private constructor(k: number, d: number[]) {
    this.k = k;
    this.d = d;
  }

  /** A constant (zero gradient and Hessian) over k variables; k = 0 combines with any jet. */
  static constant(value: number, k = 0): Dual {
    const d = zeros(size(k));
    d[0] = value;
    return new Dual(k, d);
  }

  /** The seed variable x_index of k, at `value`. */
  static variable(value: number, index: number, k: number): Dual {
    if (!Number.isInteger(index) || index < 0 || index >= k) {
      throw new RangeError(`Dual.variable: index must be an integer in [0, ${k}), got ${index}`);
    }
    const d = zeros(size(k));
    d[0] = value;
    d[1 + index] = 1;
    return new Dual(k, d);
  }

  /** Seed variables x_0..x_{k-1} at `values` (k = values.length). */
  static variables(values: ArrayLike<number>): Dual[] {
    const k = values.length;
    const out: Dual[] = [];
    for (let i = 0; i < k; i++) {
      const d = zeros(size(k));
      d[0] = values[i]!;
      d[1 + i] = 1;
      out.push(new Dual(k, d));
    }
    return out;
  }

  /** The sum of jets and numbers, in one pass. */
  static sum(...terms: readonly (Dual | number)[]): Dual {
    const k = commonK(terms);
    const d = zeros(size(k));
    for (const t of terms) {
      if (typeof t === 'number') d[0]! += t;
      else if (t.k === 0) d[0]! += t.d[0]!;
      else for (let i = 0; i < d.length; i++) d[i]! += t.d[i]!;
    }
    return new Dual(k, d);
  }

  /** Σ a_i b_i. */
  static dot(a: readonly (Dual | number)[], b: readonly (Dual | number)[]): Dual {
    if (a.length !== b.length) throw new RangeError(`Dual.dot: lengths differ (${a.length} and ${b.length})`);
    return Dual.sum(...a.map((x, i) => lift(x).mul(b[i]!)));
  }

  /** The value u. */
  get value(): number {
    return this.d[0]!;
  }

  /** ∂u/∂x_i. */
  grad(i: number): number {
    return i < this.k ? this.d[1 + i]! : 0;
  }

  /** ∂²u/∂x_i∂x_j. */
  hess(i: number, j: number): number {
    if (i >= this.k || j >= this.k) return 0;
    return i <= j ? this.d[hIndex(this.k, i, j)]! : this.d[hIndex(this.k, j, i)]!;
  }

  /** The gradient, a fresh array of length k. */
  gradient(): Float64Array {
    return Float64Array.from(this.d.slice(1, 1 + this.k));
  }

  /** The full Hessian, a fresh k×k row-major array. */
  hessian(): Float64Array {
    const k = this.k;
    const out = new Float64Array(k * k);
    let p = 1 + k;
    for (let i = 0; i < k; i++) {
      for (let j = i; j < k; j++, p++) {
        out[i * k + j] = this.d[p]!;
        out[j * k + i] = this.d[p]!;
      }
    }
    return out;
  }

  add(other: Dual | number): Dual {
    if (typeof other === 'number' || other.k === 0) return this.shift(scalar(other));
    if (this.k === 0) return other.shift(this.d[0]!);
    sameK(this, other);
    const d = blank(this.d.length);
    for (let i = 0; i < d.length; i++) d[i] = this.d[i]! + other.d[i]!;
    return new Dual(this.k, d);
  }

  sub(other: Dual | number): Dual {
    if (typeof other === 'number' || other.k === 0) return this.shift(-scalar(other));
    if (this.k === 0) return other.scale(-1).shift(this.d[0]!);
    sameK(this, other);
    const d = blank(this.d.length);
    for (let i = 0; i < d.length; i++) d[i] = this.d[i]! - other.d[i]!;
    return new Dual(this.k, d);
  }

  mul(other: Dual | number): Dual {
    if (typeof other === 'number' || other.k === 0) return this.scale(scalar(other));
    if (this.k === 0) return other.scale(this.d[0]!);
    sameK(this, other);
    const k = this.k;
    const a = this.d;
    const b = other.d;
    const u = a[0]!;
    const v = b[0]!;
    const d = blank(a.length);
    d[0] = u * v;
    for (let i = 1; i <= k; i++) d[i] = u * b[i]! + v * a[i]!;
    let p = 1 + k;
    for (let i = 1; i <= k; i++) {
      const ai = a[i]!;
      const bi = b[i]!;
      for (let j = i; j <= k; j++, p++) d[p] = u * b[p]! + v * a[p]! + ai * b[j]! + bi * a[j]!;
    }
    return new Dual(k, d);
  }

  div(other: Dual | number): Dual {
    if (typeof other === 'number' || other.k === 0) {
      const c = scalar(other);
      return new Dual(this.k, this.d.map((x) => x / c));
    }
    if (this.k === 0) return Dual.constant(this.d[0]!, other.k).div(other);
    sameK(this, other);
    const k = this.k;
    const a = this.d;
    const b = other.d;
    const v = b[0]!;
    const w = a[0]! / v;
    const d = blank(a.length);
    d[0] = w;
    for (let i = 1; i <= k; i++) d[i] = (a[i]! - w * b[i]!) / v;
    let p = 1 + k;
    for (let i = 1; i <= k; i++) {
      const gi = d[i]!;
      const bi = b[i]!;
      for (let j = i; j <= k; j++, p++) d[p] = (a[p]! - w * b[p]! - gi * b[j]! - bi * d[j]!) / v;
    }
    return new Dual(k, d);
  }

  neg(): Dual {
    return this.scale(-1);
  }

  /** u². */
  sq(): Dual {
    const u = this.d[0]!;
    return this.chain(u * u, 2 * u, 2);
  }

  /** u^p for a constant exponent p (u > 0 unless p is an integer). */
  pow(p: number): Dual {
    if (p === 0) return Dual.constant(1, this.k);
    if (p === 1) return this;
    if (p === 2) return this.sq();
    const u = this.d[0]!;
    return this.chain(u ** p, p * u ** (p - 1), p * (p - 1) * u ** (p - 2));
  }

  /** 1/u. */
  recip(): Dual {
    const r = 1 / this.d[0]!;
    return this.chain(r, -r * r, 2 * r * r * r);
  }

  sqrt(): Dual {
    const u = this.d[0]!;
    const r = Math.sqrt(u);
    return this.chain(r, 0.5 / r, -0.25 / (r * u));
  }

  sin(): Dual {
    const u = this.d[0]!;
    const s = Math.sin(u);
    return this.chain(s, Math.cos(u), -s);
  }

  cos(): Dual {
    const u = this.d[0]!;
    const c = Math.cos(u);
    return this.chain(c, -Math.sin(u), -c);
  }

  exp(): Dual {
    const e = Math.exp(this.d[0]!);
    return this.chain(e, e, e);
  }

  log(): Dual {
    const u = this.d[0]!;
    return this.chain(Math.log(u), 1 / u, -1 / (u * u));
  }

  tanh(): Dual {
    const t = Math.tanh(this.d[0]!);
    const s = 1 - t * t;
    return this.chain(t, s, -2 * t * s);
  }

  /** f(u) from f(u), f'(u), f''(u): the second-order chain rule. */
  private chain(f0: number, f1: number, f2: number): Dual {
    const k = this.k;
    const a = this.d;
    const d = blank(a.length);
    d[0] = f0;
    for (let i = 1; i <= k; i++) d[i] = f1 * a[i]!;
    if (f2 === 0) {
      for (let p = 1 + k; p < a.length; p++) d[p] = f1 * a[p]!;
      return new Dual(k, d);
    }
    let p = 1 + k;
    for (let i = 1; i <= k; i++) {
      const c = f2 * a[i]!;
      for (let j = i; j <= k; j++, p++) d[p] = f1 * a[p]! + c * a[j]!;
    }
    return new Dual(k, d);
  }

  private scale(c: number): Dual {
    const d = blank(this.d.length);
    for (let i = 0; i < d.length; i++) d[i] = c * this.d[i]!;
    return new Dual(this.k, d);
  }

  private shift(c: number): Dual {
    const d = this.d.slice();
    d[0]! += c;
    return new Dual(this.k, d);
  }
}

/** A packed array of length n for an operation that writes every element in order. */
function blank(n: number): number[] {
  return new Array<number>(n);
}

/** A packed array of n zeros. */
function zeros(n: number): number[] {
  const d: number[] = [];
  for (let i = 0; i < n; i++) d.push(0);
  return d;
}

/** Length of the packed array of a jet over k variables. */
function size(k: number): number {
  return 1 + k + (k * (k + 1)) / 2;
}

/** Packed position of H_ij, i ≤ j. */
function hIndex(k: number, i: number, j: number): number {
  return 1 + k + i * k - (i * (i - 1)) / 2 + (j - i);
}

function scalar(x: Dual | number): number {
  return typeof x === 'number' ? x : x.value;
}

function lift(x: Dual | number): Dual {
  return typeof x === 'number' ? Dual.constant(x) : x;
}

function sameK(a: Dual, b: Dual): void {
  if (a.k !== b.k) throw new RangeError(`Dual: cannot combine jets over ${a.k} and ${b.k} variables`);
}

/** The variable count shared by the non-constant jets among `terms` (0 if none). */
function commonK(terms: readonly (Dual | number)[]): number {
  let k = 0;
  for (const t of terms) {
    if (typeof t === 'number' || t.k === 0) continue;
    if (k !== 0 && t.k !== k) throw new RangeError(`Dual: cannot combine jets over ${k} and ${t.k} variables`);
    k = t.k;
  }
  return k;
}
