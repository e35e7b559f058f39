/**
 * A live run's records on their way to a remote tracker: each logging call
 * is appended to the run's spool on disk (spool.ts), then queued for the
 * background sender (spool-queue.ts); no call waits on the network.
 *
 * An outage is said once when it starts (a warning) and once when it ends,
 * however many records or tries it spans; the transport's own retry lines
 * say when each request is tried again.
 *
 * `end(status)` appends the final status as the last record, so the server
 * marks the run FINISHED (or FAILED, KILLED) only after every earlier record
 * was acknowledged, and waits for all of it up to the flush timeout,
 * reporting "waiting for the tracking server: N records pending" now and
 * then. Everything acknowledged: the spool folder is removed. Deadline
 * passed: sending stops, the records stay in the spool, the owner lock is
 * released (once no request is in flight) and `odelab sync` delivers them
 * later; end() resolves with how many are pending and where.
 */
import { TrackingError } from '../errors.ts';
import type { EndResult, RunSink } from './run-logger.ts';
import { RunSpool, SPOOL_FILES } from './spool.ts';
import type { Ownership } from './spool-owner.ts';
import { SpoolQueue, type QueueTiming } from './spool-queue.ts';
import { errorMessage, SpoolSender } from './spool-sender.ts';
import type { Metric, RunInfo, RunStatus, Tracker } from './tracker.ts';

export interface SpooledRunOptions {
  /** The spool root (one folder per run below it). */
  root: string;
  /** How long end() waits for the server. */
  flushTimeoutMs: number;
  timing: QueueTiming;
  /** Progress while end() waits. */
  onMessage(text: string): void;
  /** Said once per run: the server refused a record for good. */
  onWarning(text: string): void;
}

export class SpooledRun implements RunSink {
  private ended = false;
  private warned = false;

  private constructor(
    private readonly spool: RunSpool,
    private readonly ownership: Ownership,
    private readonly queue: SpoolQueue,
    private readonly options: SpooledRunOptions,
  ) {}

  static async open(tracker: Tracker, info: RunInfo, options: SpooledRunOptions): Promise<SpooledRun> {
    const { spool, ownership } = await RunSpool.create(options.root, {
      trackingUri: tracker.uri,
      runId: info.runId,
      experimentId: info.experimentId,
    });
    let run: SpooledRun | undefined;
    const sender = new SpoolSender(tracker, spool, { onReject: (record, e) => run?.warnRejected(record.seq, e) });
    const uri = spool.meta.trackingUri;
    const queue = new SpoolQueue(sender, options.timing, {
      onUnavailable: (pending, error, retryInMs) =>
        options.onWarning(
          `cannot reach the tracking server ${uri} for now (${error}); ${pending} record${pending === 1 ? '' : 's'} wait in ` +
            `${spool.dir} and go out in the background when it answers (next try in ${Math.max(1, Math.round(retryInMs / 1000))} s)`,
        ),
      onAvailable: () => options.onMessage(`the tracking server ${uri} answers again; sending the spooled records`),
    });
    run = new SpooledRun(spool, ownership, queue, options);
    return run;
  }

  /** The run's spool folder. */
  get dir(): string {
    return this.spool.dir;
  }

  async params(params: Record<string, string>): Promise<void> {
    this.queue.push(this.writable().append({ kind: 'params', params }));
  }

  async tags(tags: Record<string, string>): Promise<void> {
    this.queue.push(this.writable().append({ kind: 'tags', tags }));
  }

  async metrics(metrics: Metric[]): Promise<void> {
    this.queue.push(this.writable().append({ kind: 'metrics', metrics }));
  }

  async artifact(path: string, data: string | Uint8Array): Promise<void> {
    this.queue.push([this.writable().appendArtifact(path, data)]);
  }

  /** Everything is on disk already: start sending now rather than after the batch delay. */
  async flush(): Promise<void> {
    this.queue.sendNow();
  }

  async end(status: RunStatus): Promise<EndResult> {
    this.queue.push(this.writable().append({ kind: 'end', status, endTime: Date.now() }));
    this.ended = true;
    const done = await this.queue.drain(this.options.flushTimeoutMs, (pending, lastError) =>
      this.options.onMessage(
        `waiting for the tracking server: ${pending} record${pending === 1 ? '' : 's'} pending` +
          `${lastError ? ` (${lastError})` : ''}; interrupt to leave them in the spool for 'odelab sync'`,
      ),
    );
    const rejected = this.queue.rejected;
    if (done) {
      // Everything is on the server: a folder that cannot be removed only costs a no-op sync later.
      const kept = await this.spool.finish().catch((e: unknown) => {
        this.options.onWarning(`could not remove the spool folder ${this.spool.dir}: ${errorMessage(e)}`);
        return 'kept' as const;
      });
      await this.ownership.release();
      return { pending: 0, rejected, ...(kept === 'kept' ? { spoolDir: this.spool.dir } : {}) };
    }
    // Hand the run to `odelab sync`, but never while a request of ours may still be applied:
    // a request in flight is left to finish (or not) in the background.
    const handOver = this.queue.stop().then(() => this.ownership.release());
    if (this.queue.busy) handOver.catch(() => undefined);
    else await handOver;
    return { pending: this.queue.size, rejected, spoolDir: this.spool.dir };
  }

  /** The spool, while the run may still be logged to. */
  private writable(): RunSpool {
    if (this.ended) throw new TrackingError(`run ${this.spool.meta.runId} has ended: nothing more can be logged to it`);
    return this.spool;
  }

  private warnRejected(seq: number, e: TrackingError): void {
    if (this.warned) return;
    this.warned = true;
    this.options.onWarning(
      `the tracking server refused record ${seq} of run ${this.spool.meta.runId} for good (${e.message}); ` +
        `it is kept in ${this.spool.dir}/${SPOOL_FILES.rejected} and the run goes on (further refusals are only counted)`,
    );
  }
}
