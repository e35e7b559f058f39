/**
 * Progress on stderr: a redrawn bar (step, loss, steps/s, ETA) on a
 * terminal, plain periodic lines otherwise, nothing with --quiet.
 */
import type { ProgressReporter } from '../run/reporter.ts';
import { silentReporter } from '../run/reporter.ts';
import type { StepReport } from '../train/trainer.ts';

const LINE_INTERVAL_MS = 5000;
const BAR_INTERVAL_MS = 100;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - 60 * m)).padStart(2, '0')}s`;
}

class StreamReporter implements ProgressReporter {
  private total = 0;
  private startedAt = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly tty: boolean,
  ) {}

  start(totalSteps: number): void {
    this.total = totalSteps;
    this.startedAt = Date.now();
    this.lastDraw = 0;
  }

  step(r: StepReport): void {
    const now = Date.now();
    const last = r.step === this.total;
    if (!last && now - this.lastDraw < (this.tty ? BAR_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.lastDraw = now;
    const elapsed = (now - this.startedAt) / 1000;
    const rate = r.step / Math.max(elapsed, 1e-9);
    const eta = (this.total - r.step) / rate;
    const stats = `loss ${r.loss.toPrecision(4)}  ${rate.toFixed(1)} steps/s  ETA ${formatDuration(eta)}`;
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
export function createReporter(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  return quiet ? silentReporter : new StreamReporter(stream, Boolean(stream.isTTY));
}
