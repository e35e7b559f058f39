/**
 * The benchmark suites `npm run bench` knows, and the shapes they share.
 *
 * A suite measures something and returns figures: one or more tables of
 * rows (printed for people), a machine-readable summary and notes. Suites
 * never assert anything; they are scripts, not timed tests.
 */
import { backendSuite } from './backend.ts';
import { gradientsSuite } from './gradients.ts';
import { integratorsSuite } from './integrators.ts';
import { kernelsSuite } from './kernels.ts';
import { lnnSuite } from './lnn.ts';
import { memorySuite } from './memory.ts';
import { precisionSuite } from './precision.ts';
import { scaleSuite } from './scale.ts';
import { spiralSuite } from './spiral.ts';
import { stiffSuite } from './stiff.ts';
import { sweepSuite } from './sweep.ts';

/** A JSON value, as written to `.bench/<suite>.json`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One row of a table: column name to cell (the first row fixes the column order). */
export type Row = Record<string, string | number | boolean | null>;

export interface Table {
  title: string;
  rows: Row[];
}

export interface BenchOptions {
  /** Fewer repetitions and shorter timings: a smoke check, not figures to quote. */
  quick: boolean;
  /** Progress messages (to stderr, so that `--json` output stays clean). */
  log(message: string): void;
}

export interface SuiteResult {
  tables: Table[];
  /** Conclusions a program may want (winners, crossovers, ...). */
  summary: { [key: string]: Json };
  /** Caveats and conclusions for people, printed under the tables. */
  notes: string[];
}

export interface Suite {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<SuiteResult>;
}

/** Every suite, by name (the order in which `npm run bench` runs them). */
export const suites: Record<string, Suite> = {
  [backendSuite.name]: backendSuite,
  [integratorsSuite.name]: integratorsSuite,
  [memorySuite.name]: memorySuite,
  [lnnSuite.name]: lnnSuite,
  [spiralSuite.name]: spiralSuite,
  [precisionSuite.name]: precisionSuite,
  [sweepSuite.name]: sweepSuite,
  [kernelsSuite.name]: kernelsSuite,
  [scaleSuite.name]: scaleSuite,
  [stiffSuite.name]: stiffSuite,
  [gradientsSuite.name]: gradientsSuite,
};
