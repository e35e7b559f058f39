/**
 * The `scale` suite's timing loop in a child process: warm-up steps, then
 * timed steps, bounded by a per-step budget (a step slower than the budget
 * ends the measurement; the suite reports it as not finished).
 */
import type { ScaleOutcome } from './scale-job.ts';

export interface StepTiming {
  warmup: number;
  iterations: number;
  /** The longest a single step may take; warm-up stops after a quarter and timing after half of it in total. */
  budgetMs: number;
  /** Work between steps, outside the clock (the spiral's next batch). */
  between?: () => void;
}

interface StepReport {
  loss: number;
  forward: { nfe: number };
  backward?: { nfe: number };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export type Timed = Omit<ScaleOutcome, 'backend'>;

/** Run `step` `warmup` times (at least once), then time up to `iterations` steps. */
export function timeSteps(step: () => StepReport, o: StepTiming): Timed {
  const warmStart = performance.now();
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    const t0 = performance.now();
    step();
    const ms = performance.now() - t0;
    if (ms > o.budgetMs) return overBudget(ms);
    o.between?.();
    if (performance.now() - warmStart > o.budgetMs / 4) break;
  }
  const times: number[] = [];
  const nfeF: number[] = [];
  const nfeB: number[] = [];
  let lastLoss = NaN;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < Math.max(1, o.iterations); i++) {
    if (i > 0) o.between?.();
    const t0 = performance.now();
    const r = step();
    const ms = performance.now() - t0;
    if (ms > o.budgetMs) return overBudget(ms);
    times.push(ms);
    nfeF.push(r.forward.nfe);
    if (r.backward) nfeB.push(r.backward.nfe);
    lastLoss = r.loss;
    if (!Number.isFinite(r.loss)) throw new Error(`loss became ${r.loss}`);
    if (performance.now() - wall0 > o.budgetMs / 2) break;
  }
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  return {
    medianMs: quantile(times, 0.5),
    p10Ms: quantile(times, 0.1),
    p90Ms: quantile(times, 0.9),
    timed: times.length,
    nfeForward: quantile(nfeF, 0.5),
    nfeBackward: nfeB.length > 0 ? quantile(nfeB, 0.5) : null,
    maxRssKiB: process.resourceUsage().maxRSS,
    coresUsed: (cpu.user + cpu.system) / 1000 / wall,
    lastLoss,
    overBudgetMs: null,
  };
}

function overBudget(ms: number): Timed {
  return {
    medianMs: ms,
    p10Ms: ms,
    p90Ms: ms,
    timed: 0,
    nfeForward: null,
    nfeBackward: null,
    maxRssKiB: process.resourceUsage().maxRSS,
    coresUsed: NaN,
    lastLoss: NaN,
    overBudgetMs: ms,
  };
}
