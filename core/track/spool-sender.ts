/**
 * Sending a spooled run's records to its tracker, strictly in order, each
 * acknowledged on disk right after the server accepted it. The live run's
 * background queue (spool-queue.ts) and `odelab sync` (sync.ts) both send
 * through this.
 *
 * One step sends the group at the head of the pending records: consecutive
 * params/tags/metrics records combined into one `logBatch` (they fit one
 * request: spool-records.ts), or one artifact, or the final status. Then:
 *
 * - accepted: `acked` is rewritten to the group's last sequence number;
 * - TrackingUnavailableError (server unreachable, 408/429/5xx after the
 *   transport's retries), or any error that is not a TrackingError: nothing
 *   is acknowledged, the step reports the error and the caller tries again
 *   later;
 * - any other TrackingError is final (the server will repeat it): a group of
 *   several records is split in halves and each half sent again, down to the
 *   single record at fault, which goes to rejected.jsonl and counts as
 *   settled, so that one bad record never holds back the ones after it. (This
 *   resends records of a refused request; MLflow validates a whole batch
 *   before it writes any of it and refuses a changed param before writing
 *   metrics, so a refused request has written no metric points.)
 *
 * Exactly once: a record up to `acked` is never sent again. The one window
 * left is a request the server applied whose acknowledgement never reached
 * the disk: the process died (or the answer was lost) between the server's
 * answer and the rename of `acked`, which follows it at once. The records of
 * that one request (at most one batch) are then sent again by the next owner.
 * Params, tags, artifacts and the status are idempotent, and a metric point is
 * sent again byte for byte (its timestamp was fixed when it was logged), which
 * MLflow's SQL store keeps once (the point is its primary key); a file store
 * would list it twice.
 */
import { TrackingError, TrackingUnavailableError } from '../errors.ts';
import type { RunSpool } from './spool.ts';
import { takeBatch, type SpoolRecord } from './spool-records.ts';
import type { Tracker } from './tracker.ts';

/** What one step did. */
export interface SendStep {
  /** Records settled (acknowledged or rejected) from the head of the pending list. */
  settled: number;
  /** Records of those the server rejected for good. */
  rejected: number;
  /** Why the step stopped early (the server is unavailable): try again later. */
  error?: unknown;
}

export interface SenderHooks {
  /** A record the server refused for good, now in rejected.jsonl. */
  onReject?(record: SpoolRecord, error: TrackingError): void;
}

/** A final refusal: a TrackingError other than the transient TrackingUnavailableError. */
export function isFinalRejection(e: unknown): e is TrackingError {
  return e instanceof TrackingError && !(e instanceof TrackingUnavailableError);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SpoolSender {
  constructor(
    private readonly tracker: Tracker,
    private readonly spool: RunSpool,
    private readonly hooks: SenderHooks = {},
  ) {}

  /** Send the group at the head of `pending` (which must start right after `acked`); never rejects. */
  async sendNext(pending: readonly SpoolRecord[]): Promise<SendStep> {
    const head = pending[0];
    const step: SendStep = { settled: 0, rejected: 0 };
    if (!head) return step;
    try {
      const group = head.kind === 'artifact' || head.kind === 'end' ? [head] : takeBatch(pending)!.records;
      await this.settle(group, step);
    } catch (e) {
      step.error = e;
    }
    return step;
  }

  private async settle(records: SpoolRecord[], step: SendStep): Promise<void> {
    try {
      await this.deliver(records);
    } catch (e) {
      if (!isFinalRejection(e)) throw e;
      if (records.length > 1) {
        const mid = Math.ceil(records.length / 2);
        await this.settle(records.slice(0, mid), step);
        await this.settle(records.slice(mid), step);
        return;
      }
      await this.spool.reject(records[0]!, e.message);
      await this.spool.ack(records, false);
      step.settled += 1;
      step.rejected += 1;
      this.hooks.onReject?.(records[0]!, e);
      return;
    }
    await this.spool.ack(records);
    step.settled += records.length;
  }

  private async deliver(records: SpoolRecord[]): Promise<void> {
    const runId = this.spool.meta.runId;
    const head = records[0]!;
    if (head.kind === 'artifact') {
      await this.tracker.logArtifact(runId, head.path, await this.spool.readBlob(head));
    } else if (head.kind === 'end') {
      await this.tracker.updateRun(runId, { status: head.status, endTime: head.endTime });
    } else {
      const group = takeBatch(records)!;
      // A slice of a group that fit one request fits too; anything else is a bug here, not the server's.
      if (group.records.length !== records.length) throw new Error('spool sender: records do not form one batch');
      await this.tracker.logBatch(runId, group.batch);
    }
  }
}
