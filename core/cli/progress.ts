/**
 * Progress on stderr: a redrawn bar (step, loss, steps/s, ETA) on a
 * terminal, plain periodic lines otherwise, nothing with --quiet.
 */
import type { ProgressReporter } from '../run/reporter.ts';
import { silentReporter } from '../run/reporter.ts';
import type { StepReport } from '../train/trainer.ts';

const LINE_INTERVAL_MS = 5000;
const BAR_INTERVAL_MS = 100;
const SAMPLE_MS = 200;

/** Milliseconds since some origin; Date.now unless a test drives the time. */
export type Clock = () => number;

export interface EtaOptions {
  /** No ETA before this fraction of the steps is done. */
  minFraction: number;
  /** No ETA before this many seconds of training. */
  minSeconds: number;
  /** The rate is measured over (about) this many recent seconds. */
  windowSeconds: number;
}

/**
 * The first training steps are slow (JIT warm-up, kernels compiled, pools
 * filled), so an ETA from the first seconds, or from the whole run's average,
 * overestimates the rest many times over. This one waits until the run has
 * done `minFraction` of its steps and trained `minSeconds`, and extrapolates
 * the rate of the last `windowSeconds`.
 */
export class EtaEstimator {
  private readonly samples: { step: number; at: number }[] = [];
  private readonly o: EtaOptions;

  constructor(
    private readonly total: number,
    private readonly startedAt: number,
    options: Partial<EtaOptions> = {},
  ) {
    this.o = { minFraction: 0.1, minSeconds: 3, windowSeconds: 5, ...options };
    this.samples.push({ step: 0, at: startedAt });
  }

  /** Record that `step` steps are done at time `at` (ms). */
  observe(step: number, at: number): void {
    const n = this.samples.length;
    // The newest sample moves forward until it is SAMPLE_MS past the one before: a few dozen samples per window, whatever the step rate.
    if (n >= 2 && at - this.samples[n - 2]!.at < SAMPLE_MS) this.samples[n - 1] = { step, at };
    else this.samples.push({ step, at });
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    const windowStart = at - this.o.windowSeconds * 1000;
    while (this.samples.length > 2 && this.samples[1]!.at <= windowStart) this.samples.shift();
  }

  /** Steps per second over the recent window; NaN before any time has passed. */
  rate(): number {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    return last.at > first.at ? ((last.step - first.step) * 1000) / (last.at - first.at) : NaN;
  }

  /** Seconds left, or undefined while an estimate would mislead (too early) or cannot be made (no progress). */
  secondsLeft(): number | undefined {
    const last = this.samples[this.samples.length - 1]!;
    const early = last.step < this.o.minFraction * this.total || last.at - this.startedAt < this.o.minSeconds * 1000;
    const rate = this.rate();
    if (early || !(rate > 0)) return undefined;
    return (this.total - last.step) / rate;
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - 60 * m)).padStart(2, '0')}s`;
}

/** `ETA 1m05s`, or `ETA …` while there is no meaningful estimate yet. */
export function formatEta(secondsLeft: number | undefined): string {
  return secondsLeft === undefined ? 'ETA …' : `ETA ${formatDuration(secondsLeft)}`;
}

class StreamReporter implements ProgressReporter {
  private total = 0;
  private eta = new EtaEstimator(0, 0);
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly tty: boolean,
    private readonly clock: Clock,
  ) {}

  start(totalSteps: number): void {
    this.total = totalSteps;
    this.eta = new EtaEstimator(totalSteps, this.clock());
    this.lastDraw = 0;
  }

  step(r: StepReport): void {
    const now = this.clock();
    this.eta.observe(r.step, now);
    const last = r.step === this.total;
    if (!last && now - this.lastDraw < (this.tty ? BAR_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.lastDraw = now;
    const rate = this.eta.rate();
    const speed = Number.isFinite(rate) ? `${rate.toFixed(1)} steps/s` : '- steps/s';
    const stats = `loss ${r.loss.toPrecision(4)}  ${speed}  ${last ? 'done' : formatEta(this.eta.secondsLeft())}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * r.step) / this.total);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[2Kstep ${r.step}/${this.total} ${bar} ${stats}`);
      this.drawn = true;
    } else {
      this.stream.write(`step ${r.step}/${this.total}  ${stats}\n`);
    }
  }

  message(text: string): void {
    this.clearBar();
    this.stream.write(`${text}\n`);
  }

  end(): void {
    this.clearBar();
  }

  private clearBar(): void {
    if (this.drawn) {
      this.stream.write('\n');
      this.drawn = false;
    }
  }
}

/** The reporter for the CLI's flags and stderr. */
export function createReporter(quiet: boolean, stream: NodeJS.WriteStream = process.stderr, clock: Clock = Date.now): ProgressReporter {
  return quiet ? silentReporter : new StreamReporter(stream, Boolean(stream.isTTY), clock);
}
