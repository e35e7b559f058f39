/**
 * The live run's background sender: records already on disk in the spool
 * wait here in memory and go to the server in batches, in order, without
 * the training loop ever waiting on the network.
 *
 * A logging call schedules a send `batchDelayMs` later, so that the calls of
 * that interval travel together; while a request is in flight, new records
 * gather for the next one. When the server is unavailable the records stay
 * and the send is retried after a capped exponential backoff with jitter
 * (`retryMs`, doubling up to `maxRetryMs`); the first failure of an outage
 * and the first success after it are told to `QueueEvents` (once each, not
 * per record or per try). Timers are unref'd: a queue
 * never keeps a process alive by itself; `drain` (used by `end()`) does,
 * until its deadline.
 */
import type { SpoolRecord } from './spool-records.ts';
import { errorMessage, type SpoolSender } from './spool-sender.ts';

export interface QueueTiming {
  /** Delay between a logging call and the send that carries it (gathers a batch). */
  batchDelayMs: number;
  /** First retry delay after the server was unavailable; doubles per failure... */
  retryMs: number;
  /** ...up to this. */
  maxRetryMs: number;
  /** While draining: the first "waiting" report after this long... */
  firstReportMs: number;
  /** ...then one every this long. */
  reportEveryMs: number;
}

export const DEFAULT_QUEUE_TIMING: QueueTiming = {
  batchDelayMs: 1000,
  retryMs: 500,
  maxRetryMs: 30_000,
  firstReportMs: 1000,
  reportEveryMs: 5000,
};

/** What the queue tells about outages: once when one starts, once when it ends. */
export interface QueueEvents {
  /** A send failed after the last one succeeded (or was the first): the records wait, the next try is in `retryInMs`. */
  onUnavailable?(pending: number, error: string, retryInMs: number): void;
  /** A send succeeded after an outage. */
  onAvailable?(): void;
}

/** Called while draining: how many records wait, and the last error, if the server is failing. */
export type WaitingReport = (pending: number, lastError: string | undefined) => void;

export class SpoolQueue {
  private readonly pending: SpoolRecord[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failures = 0;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  /** The last send error, cleared by the next success. */
  lastError?: string;
  /** Records the server refused for good (kept in rejected.jsonl). */
  rejected = 0;

  constructor(
    private readonly sender: SpoolSender,
    private readonly timing: QueueTiming = DEFAULT_QUEUE_TIMING,
    private readonly events: QueueEvents = {},
  ) {}

  /** Records not yet settled. */
  get size(): number {
    return this.pending.length;
  }

  /** True while a request is in flight. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Queue records that are already in the spool; they are sent after the batch delay. */
  push(records: readonly SpoolRecord[]): void {
    this.pending.push(...records);
    this.schedule(this.timing.batchDelayMs, false);
  }

  /** Send without waiting for the batch delay or the current backoff. */
  sendNow(): void {
    this.schedule(0, true);
  }

  /**
   * Send everything now and wait until all is settled or `timeoutMs` passed;
   * `report` is called now and then while waiting. True when nothing is pending.
   */
  async drain(timeoutMs: number, report: WaitingReport): Promise<boolean> {
    this.sendNow();
    const start = Date.now();
    const deadline = start + timeoutMs;
    let nextReport = start + this.timing.firstReportMs;
    while (this.pending.length > 0) {
      const now = Date.now();
      if (now >= deadline) return false;
      if (now >= nextReport) {
        report(this.pending.length, this.lastError);
        nextReport = now + this.timing.reportEveryMs;
      }
      await this.changeOrTimeout(Math.min(deadline, nextReport) - now);
    }
    return true;
  }

  /** Stop sending; resolves once no request is in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number, override: boolean): void {
    if (this.stopped || this.running || this.pending.length === 0) return;
    if (this.timer) {
      if (!override) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pump().then((retryInMs) => {
        this.running = undefined;
        // Records pushed while the last request was in flight, or a retry after a failure.
        if (retryInMs !== undefined) this.schedule(retryInMs, false);
        else this.schedule(this.timing.batchDelayMs, false);
        this.notify();
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Send groups until nothing is pending; when the server fails, the delay before trying again. */
  private async pump(): Promise<number | undefined> {
    while (!this.stopped && this.pending.length > 0) {
      const step = await this.sender.sendNext(this.pending);
      this.pending.splice(0, step.settled);
      this.rejected += step.rejected;
      if (step.error !== undefined) {
        this.failures += 1;
        this.lastError = errorMessage(step.error);
        const backoff = Math.min(this.timing.maxRetryMs, this.timing.retryMs * 2 ** (this.failures - 1));
        const retryInMs = backoff * (0.75 + 0.5 * Math.random());
        if (this.failures === 1) this.events.onUnavailable?.(this.pending.length, this.lastError, retryInMs);
        return retryInMs;
      }
      if (this.failures > 0) this.events.onAvailable?.();
      this.failures = 0;
      this.lastError = undefined;
      this.notify();
    }
    return undefined;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private changeOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.listeners.add(done);
    });
  }
}
