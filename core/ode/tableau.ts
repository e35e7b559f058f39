/**
 * Butcher tableaus that check themselves when constructed.
 *
 * A Runge-Kutta method is data: nodes c, the strictly lower-triangular
 * matrix a, the weights b (and, for embedded pairs, the weights of the
 * lower-order solution). Construction verifies the shapes, the row-sum
 * condition sum_j a_ij = c_i, and the order conditions up to the claimed
 * order (at most 4 here; Hairer, Nørsett & Wanner, Solving ODEs I, §II.2,
 * Table 2.2), so a typo in a coefficient fails at import time, not as a
 * silently wrong trajectory.
 */

export interface TableauSpec {
  /** Method name, for messages. */
  name: string;
  /** Nodes c_i, one per stage; c_0 = 0 for explicit methods. */
  c: readonly number[];
  /** Row i holds a_i0 .. a_i(i-1) (explicit: strictly lower triangular). */
  a: readonly (readonly number[])[];
  /** Weights of the propagated solution. */
  b: readonly number[];
  /** Weights of the embedded solution used for the error estimate (adaptive pairs). */
  bHat?: readonly number[];
  /** Order of the propagated solution. */
  order: number;
  /** Order of the embedded solution. */
  embeddedOrder?: number;
  /** First-same-as-last: the last stage is f(t+h, y_{n+1}), reusable as the next first stage. */
  fsal?: boolean;
}

const TOL = 1e-12;

function sum(xs: readonly number[]): number {
  return xs.reduce((acc, x) => acc + x, 0);
}

/** A validated Butcher tableau. */
export class ButcherTableau implements TableauSpec {
  readonly name: string;
  readonly c: readonly number[];
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly bHat?: readonly number[];
  readonly order: number;
  readonly embeddedOrder?: number;
  readonly fsal: boolean;
  /** b - bHat: weights of the local error estimate (absent for fixed-step methods). */
  readonly errorWeights?: readonly number[];

  constructor(spec: TableauSpec) {
    this.name = spec.name;
    this.c = spec.c;
    this.a = spec.a;
    this.b = spec.b;
    this.bHat = spec.bHat;
    this.order = spec.order;
    this.embeddedOrder = spec.embeddedOrder;
    this.fsal = spec.fsal ?? false;
    this.validateShape();
    this.validateOrder(this.b, this.order, 'b');
    if (this.bHat) {
      if (spec.embeddedOrder === undefined) this.fail('bHat is given but embeddedOrder is not');
      this.validateOrder(this.bHat, spec.embeddedOrder, 'bHat');
      this.errorWeights = this.b.map((bi, i) => bi - this.bHat![i]!);
    }
    if (this.fsal) this.validateFsal();
  }

  /** Number of stages. */
  get stages(): number {
    return this.c.length;
  }

  private fail(why: string): never {
    throw new Error(`Butcher tableau '${this.name}' is inconsistent: ${why}`);
  }

  private validateShape(): void {
    const s = this.c.length;
    if (s === 0) this.fail('no stages');
    if (this.c[0] !== 0) this.fail('c[0] must be 0 for an explicit method');
    if (this.a.length !== s) this.fail(`a has ${this.a.length} rows, expected ${s}`);
    if (this.b.length !== s) this.fail(`b has ${this.b.length} entries, expected ${s}`);
    if (this.bHat && this.bHat.length !== s) this.fail(`bHat has ${this.bHat.length} entries, expected ${s}`);
    this.a.forEach((row, i) => {
      if (row.length !== i) this.fail(`a row ${i} has ${row.length} entries, expected ${i} (explicit)`);
      if (Math.abs(sum(row) - this.c[i]!) > TOL) this.fail(`row ${i} of a sums to ${sum(row)}, but c[${i}] = ${this.c[i]}`);
    });
  }

  /** Order conditions for trees up to order min(p, 4). */
  private validateOrder(w: readonly number[], p: number, label: string): void {
    const { c, a } = this;
    const s = c.length;
    const ac = Array.from({ length: s }, (_, i) => a[i]!.reduce((acc, aij, j) => acc + aij * c[j]!, 0));
    const ac2 = Array.from({ length: s }, (_, i) => a[i]!.reduce((acc, aij, j) => acc + aij * c[j]! ** 2, 0));
    const aac = Array.from({ length: s }, (_, i) => a[i]!.reduce((acc, aij, j) => acc + aij * ac[j]!, 0));
    const dot = (f: (i: number) => number) => w.reduce((acc, wi, i) => acc + wi * f(i), 0);
    const conditions: [number, string, number, number][] = [
      [1, 'sum b = 1', dot(() => 1), 1],
      [2, 'sum b c = 1/2', dot((i) => c[i]!), 1 / 2],
      [3, 'sum b c^2 = 1/3', dot((i) => c[i]! ** 2), 1 / 3],
      [3, 'sum b a c = 1/6', dot((i) => ac[i]!), 1 / 6],
      [4, 'sum b c^3 = 1/4', dot((i) => c[i]! ** 3), 1 / 4],
      [4, 'sum b c a c = 1/8', dot((i) => c[i]! * ac[i]!), 1 / 8],
      [4, 'sum b a c^2 = 1/12', dot((i) => ac2[i]!), 1 / 12],
      [4, 'sum b a a c = 1/24', dot((i) => aac[i]!), 1 / 24],
    ];
    for (const [order, text, got, want] of conditions) {
      if (order > p) continue;
      if (Math.abs(got - want) > 1e-10) this.fail(`order ${p} needs ${text.replace(/\bb\b/, label)}, got ${got}`);
    }
  }

  private validateFsal(): void {
    const s = this.c.length;
    if (this.c[s - 1] !== 1) this.fail('FSAL needs c[last] = 1');
    const last = this.a[s - 1]!;
    this.b.forEach((bi, j) => {
      const aij = j < s - 1 ? last[j]! : 0;
      if (Math.abs(aij - bi) > TOL) this.fail(`FSAL needs the last row of a to equal b (column ${j})`);
    });
  }
}
