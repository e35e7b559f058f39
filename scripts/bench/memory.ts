/**
 * The `memory` suite: memory and time of one gradient through a long solve,
 * per gradient strategy (every plugin of `createRegistry().list('gradient')`)
 * and number of solver steps.
 *
 * The workload (memory-child.ts): an MLP neural ODE 2-32-2 (tanh), a batch
 * of 16 states, integrated by rk4 with a FIXED step chosen so that the solve
 * over [0, 1] takes exactly 100, 1,000 and 10,000 steps (`--quick`: 100 and
 * 1,000); the gradient is tf.variableGrads of the sum of squares of the
 * final state, on the cpu backend. Each measurement runs in a fresh child
 * process, one after the other, so that its peak RSS is its own.
 *
 * Figures per (strategy, steps): wall time and nfe (forward, backward) of
 * the gradient; tfjs's peak bytes during it and the tensors alive at that
 * peak (every change of the engine's byte count watched, and cross-checked
 * against `tf.profile`'s peakBytes where tf.profile can run, up to 1,000
 * steps); the growth of the process's peak RSS (`resourceUsage().maxRSS`)
 * over the gradient; and the JS heap still reachable during the gradient
 * (post-GC samples taken at field evaluations of a separate run).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from 'odelab/node';
import { runNodeChild } from './child.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';
import { RESULT_MARKER, type MemoryJob, type MemoryOutcome } from './memory-job.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHILD = path.join(HERE, 'memory-child.ts');

const FULL_STEPS = [100, 1_000, 10_000] as const;
const QUICK_STEPS = [100, 1_000] as const;
const WORKLOAD = { span: 1, hidden: 32, batch: 16, seed: 20240601 } as const;
/** tf.profile keeps a record per kernel and takes Math.max(...records): beyond ~1e5 kernels it overflows the stack. */
const PROFILE_MAX_STEPS = 1_000;
/** Skip a measurement whose RSS growth, extrapolated linearly in steps from the previous one, would exceed this. */
const RSS_CAP_KIB = 4 * 2 ** 20;
const CHILD_TIMEOUT_MS = 5 * 60_000;
/** The issue's target: adjoint peak at the most steps within this factor of its peak at the fewest. */
const ADJOINT_TARGET_RATIO = 1.2;

/** Run one measurement in a fresh `node --import tsx` process. */
function runChild(job: MemoryJob): Promise<MemoryOutcome> {
  return runNodeChild<MemoryOutcome>({
    args: ['--expose-gc', '--import', 'tsx', CHILD, JSON.stringify(job)],
    marker: RESULT_MARKER,
    label: `memory child ${job.strategy} ${job.steps} steps`,
    timeoutMs: CHILD_TIMEOUT_MS,
    cwd: ROOT,
  });
}

interface Measurement {
  strategy: string;
  steps: number;
  outcome: MemoryOutcome | null;
  /** Why the measurement was skipped (the RSS cap). */
  skipped: string | null;
}

const KiB = 1024;
const MiB = 2 ** 20;
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const rssGrowthKiB = (o: MemoryOutcome): number => o.maxRssAfterKiB - o.maxRssBeforeKiB;

function row(m: Measurement): Row {
  const o = m.outcome;
  if (!o) {
    return {
      gradient: m.strategy,
      steps: m.steps,
      'nfe fwd': null,
      'nfe bwd': null,
      'wall ms': null,
      'tfjs peak KiB': null,
      'tensors at peak': null,
      'tf.profile peak KiB': m.skipped,
      'RSS growth MiB': null,
      'peak RSS MiB': null,
      'JS heap kept MiB': null,
    };
  }
  return {
    gradient: m.strategy,
    steps: m.steps,
    'nfe fwd': o.forwardNfe,
    'nfe bwd': o.backwardNfe,
    'wall ms': Math.round(o.wallMs),
    'tfjs peak KiB': round(o.peakBytes / KiB, 1),
    'tensors at peak': o.tensorsAtPeak,
    'tf.profile peak KiB':
      o.profilePeakBytes !== null ? String(round(o.profilePeakBytes / KiB, 1)) : o.profileError ? 'failed (stack overflow)' : 'not run',
    'RSS growth MiB': round(rssGrowthKiB(o) / 1024, 1),
    'peak RSS MiB': round(o.maxRssAfterKiB / 1024, 1),
    'JS heap kept MiB': o.heapKeptBytes !== null ? round(o.heapKeptBytes / MiB, 1) : null,
  };
}

interface Ratio {
  strategy: string;
  from: number;
  to: number;
  tfjsPeak: number | null;
  peakRss: number | null;
  rssGrowth: number | null;
  heapKept: number | null;
}

function ratioOf(strategy: string, all: readonly Measurement[], from: number, to: number): Ratio {
  const a = all.find((m) => m.strategy === strategy && m.steps === from)?.outcome ?? null;
  const b = all.find((m) => m.strategy === strategy && m.steps === to)?.outcome ?? null;
  const r = (f: (o: MemoryOutcome) => number | null): number | null => {
    if (!a || !b) return null;
    const x = f(a);
    const y = f(b);
    return x !== null && y !== null && x > 0 ? round(y / x, 2) : null;
  };
  return {
    strategy,
    from,
    to,
    tfjsPeak: r((o) => o.peakBytes),
    peakRss: r((o) => o.maxRssAfterKiB),
    rssGrowth: r(rssGrowthKiB),
    heapKept: r((o) => o.heapKeptBytes),
  };
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const stepCounts = options.quick ? QUICK_STEPS : FULL_STEPS;
  const loadBefore = os.loadavg()[0]!;
  const strategies = createRegistry()
    .list('gradient')
    .map((p) => p.name);
  const all: Measurement[] = [];
  for (const strategy of strategies) {
    let previous: Measurement | undefined;
    for (const steps of stepCounts) {
      const measurement: Measurement = { strategy, steps, outcome: null, skipped: null };
      const prev = previous?.outcome;
      const predictedKiB = prev ? (rssGrowthKiB(prev) * steps) / previous!.steps : 0;
      if (predictedKiB > RSS_CAP_KIB) {
        measurement.skipped = `skipped: ~${(predictedKiB / 2 ** 20).toFixed(1)} GiB predicted`;
        options.log(`memory: ${strategy} ${steps} steps ${measurement.skipped}`);
      } else {
        const job: MemoryJob = { strategy, steps, ...WORKLOAD, profile: steps <= PROFILE_MAX_STEPS };
        const o = await runChild(job);
        if (o.forwardSteps !== steps) throw new Error(`${strategy}: rk4 took ${o.forwardSteps} steps, expected ${steps}`);
        if (o.tensorsAfter !== o.tensorsBefore) options.log(`  warning: ${strategy} ${steps}: ${o.tensorsAfter - o.tensorsBefore} tensors left`);
        measurement.outcome = o;
        options.log(
          `memory: ${strategy} ${steps} steps: ${Math.round(o.wallMs)} ms, tfjs peak ${(o.peakBytes / KiB).toFixed(1)} KiB, ` +
            `RSS +${(rssGrowthKiB(o) / 1024).toFixed(1)} MiB`,
        );
      }
      all.push(measurement);
      previous = measurement;
    }
  }

  const first = stepCounts[0];
  const last = stepCounts[stepCounts.length - 1]!;
  const ratios = strategies.map((s) => ratioOf(s, all, first, last));
  const adjoint = ratios.find((r) => r.strategy === 'adjoint');
  const adjointMet = adjoint?.tfjsPeak != null ? adjoint.tfjsPeak <= ADJOINT_TARGET_RATIO : null;
  const ratioRows: Row[] = ratios.map((r) => ({
    gradient: r.strategy,
    [`tfjs peak ${last}/${first}`]: r.tfjsPeak,
    [`peak RSS ${last}/${first}`]: r.peakRss,
    [`RSS growth ${last}/${first}`]: r.rssGrowth,
    [`JS heap kept ${last}/${first}`]: r.heapKept,
    [`target <= ${ADJOINT_TARGET_RATIO}x (tfjs peak)`]:
      r.strategy === 'adjoint' ? (r.tfjsPeak === null ? 'n/a' : r.tfjsPeak <= ADJOINT_TARGET_RATIO ? 'met' : 'NOT met') : 'grows (expected)',
  }));

  const skipped = all.filter((m) => m.skipped);
  const profiled = all.filter((m) => m.outcome?.profilePeakBytes != null);
  const profileFailed = all.filter((m) => m.outcome?.profileError != null);
  const largestProfile = Math.max(0, ...profiled.map((m) => m.outcome!.profileKernels ?? 0)).toLocaleString('en-US');
  const profileAgrees = profiled.every((m) => m.outcome!.profilePeakBytes === m.outcome!.peakBytes);
  const backpropLast = all.find((m) => m.strategy === 'backprop' && m.steps === last)?.outcome;
  const notes = [
    `workload: MLP 2-${WORKLOAD.hidden}-2 tanh, batch ${WORKLOAD.batch}, rk4 with step ${WORKLOAD.span}/steps over [0, ${WORKLOAD.span}] ` +
      `(exactly that many steps, checked), gradient = tf.variableGrads of sum(y(T)²), cpu backend, one fresh process per row` +
      (options.quick ? ' (--quick: 100 and 1,000 steps only; a smoke check, not figures to quote)' : ''),
    `tfjs peak: the engine's byte count watched at every change during the gradient (tensors at peak: live tensors at that moment); ` +
      `tf.profile(...).peakBytes on a separate run of the same gradient as a cross-check up to ${PROFILE_MAX_STEPS} steps: ` +
      (profiled.length === 0 ? 'none ran' : profileAgrees ? `identical in all ${profiled.length} rows where it ran` : 'DIFFERS, see rows') +
      (profileFailed.length > 0
        ? `; it failed in ${profileFailed.map((m) => `${m.strategy} ${m.steps}`).join(', ')}: it keeps one record per kernel and ends with ` +
          `Math.max(...records), which overflows the stack (largest profile that ran: ${largestProfile} kernels), ` +
          `so it cannot measure the long solves itself`
        : ''),
    `RSS growth: process.resourceUsage().maxRSS after the gradient minus before it (after a 10-step warm-up gradient); ` +
      `peak RSS includes Node + tfjs (~170-190 MiB before any gradient), so its ratio understates growth and the RSS-growth ratio ` +
      `(over a small 100-step base) overstates it`,
    `JS heap kept: the largest post-GC heapUsed growth sampled (gc() at 16 evenly spaced field evaluations of a separate run), ` +
      `i.e. JS objects still reachable mid-gradient; RSS growth beyond it is garbage the collector had not yet reclaimed. ` +
      `Backprop's samples come from its forward pass only (its backward pass does not call the field)`,
    skipped.length > 0
      ? `capped: ${skipped.map((m) => `${m.strategy} at ${m.steps} steps (${m.skipped})`).join('; ')}, above ~${RSS_CAP_KIB / 2 ** 20} GiB`
      : `no cap needed: no row was predicted above ~${RSS_CAP_KIB / 2 ** 20} GiB of RSS growth` +
        (backpropLast ? ` (backprop at ${last} steps grew ${(rssGrowthKiB(backpropLast) / 1024).toFixed(0)} MiB)` : ''),
    adjointMet === null
      ? `issue target (adjoint tfjs peak at ${last} steps within ${ADJOINT_TARGET_RATIO}x of ${first}): not measured`
      : `issue target (adjoint tfjs peak at ${last} steps within ${ADJOINT_TARGET_RATIO}x of ${first}): ${adjointMet ? 'met' : 'NOT met'} ` +
        `(${adjoint!.tfjsPeak}x); its process memory is another matter: peak RSS ${adjoint!.peakRss}x, RSS growth ${adjoint!.rssGrowth}x, ` +
        `JS heap kept ${adjoint!.heapKept ?? 'n/a'}x`,
  ];

  notes.push(loadAverageNote(loadBefore));
  const toJson = (m: Measurement): Json => ({
    gradient: m.strategy,
    steps: m.steps,
    skipped: m.skipped,
    ...(m.outcome ? { ...m.outcome, rssGrowthKiB: rssGrowthKiB(m.outcome) } : {}),
  });
  return {
    tables: [
      { title: 'one gradient through a fixed-step rk4 solve (cpu)', rows: all.map(row) },
      { title: `growth from ${first} to ${last} steps`, rows: ratioRows },
    ],
    summary: {
      measurements: all.map(toJson),
      ratios: ratios.map((r) => ({ ...r })),
      adjointTargetRatio: ADJOINT_TARGET_RATIO,
      adjointTargetMet: adjointMet,
      tfProfileAgrees: profiled.length > 0 ? profileAgrees : null,
      capped: skipped.map((m) => `${m.strategy}:${m.steps}`),
      workload: { ...WORKLOAD, steps: [...stepCounts] },
    },
    notes,
  };
}

export const memorySuite: Suite = {
  name: 'memory',
  description: 'peak memory and time of one gradient vs solver steps (100 .. 10,000 rk4 steps), backprop vs adjoint',
  run,
};
