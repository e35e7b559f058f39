/**
 * Turns a trial job's log rows (job-data.ts EventRow) back into the events a
 * local executor would have sent, in order, wherever the reading starts: a
 * scheduler that attaches late (`--resume`) replays the whole log and sees
 * what it would have seen live. A second run starting within one job means
 * the first run's worker was lost (BullMQ handed the job to another worker):
 * that becomes a `lost` event for the first run, so the scheduler ends it
 * FAILED (WORKER_LOST) instead of leaving it RUNNING, unless the first run
 * was logged as ended. Metrics of any run but the latest are dropped (a lost
 * worker that still writes is ignored).
 */
import type { ExecutorEvent } from '../sweep/executor.ts';
import type { EventRow } from './job-data.ts';

export class EventReplay {
  /** Rows read so far: the next read starts here. */
  seen = 0;
  private run?: { id: string; worker: string };

  constructor(private readonly emit: (e: ExecutorEvent) => void) {}

  /** Apply the rows from index `seen` on. */
  apply(rows: readonly string[]): void {
    for (const raw of rows) {
      this.seen += 1;
      let row: EventRow;
      try {
        row = JSON.parse(raw) as EventRow;
      } catch {
        continue; // not ours (someone logged on the job by hand)
      }
      if (row.ended) {
        if (row.run === this.run?.id) this.run = undefined;
        continue;
      }
      const e = row.event;
      if (!e) continue;
      if (e.type === 'started') {
        if (this.run && this.run.id !== e.runId) {
          this.emit({ type: 'lost', runId: this.run.id, reason: `worker lost: ${this.run.worker} stopped holding the trial, which ${row.worker} ran again` });
        }
        this.run = { id: e.runId, worker: row.worker };
        this.emit(e);
      } else if (row.run === this.run?.id) {
        this.emit(e);
      }
    }
  }

  /** The job was replaced by a new one with an empty log. */
  reset(): void {
    this.seen = 0;
    this.run = undefined;
  }
}
