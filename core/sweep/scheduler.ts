/**
 * The sweep loop: keeps `executor.slots` trials running, feeds their reported
 * metrics to ASHA (stopping the losers), retries a failed trial up to
 * `maxFailures` times (each attempt its own child run), and stops cleanly on
 * Ctrl-C (running trials are asked to stop and end KILLED; pending ones are
 * not started). Every change of a trial's state is passed to `onChange`,
 * which persists it on the parent run (resume) and redraws the progress line.
 *
 * Trial states: PENDING → RUNNING → FINISHED | STOPPED (ASHA) | FAILED
 * (retries used up) | KILLED (interrupted). A retry goes back to PENDING.
 * An executor may report that a run was lost while its trial goes on (the
 * queue: another machine took the trial over); that run is ended FAILED
 * through `markLost` and the attempt continues in the new run.
 */
import type { Asha } from './asha.ts';
import { WorkerLostError, type TrialExecutor, type TrialHandle } from './executor.ts';
import type { TrialSpec } from './expand.ts';
import type { TrialOutcome, TrialTask } from './types.ts';

export type TrialState = 'PENDING' | 'RUNNING' | 'FINISHED' | 'STOPPED' | 'FAILED' | 'KILLED';

export interface TrialRecord {
  index: number;
  params: TrialSpec['params'];
  state: TrialState;
  /** Attempts started so far. */
  attempts: number;
  /** The child run of the latest attempt. */
  runId?: string;
  /** Every attempt's child run, oldest first. */
  runIds: string[];
  /** The objective's final value (FINISHED), or the last reported one (STOPPED). */
  objective?: number;
  reason?: string;
  durationMs?: number;
  /** Time not spent training in the latest attempt (start-up, data, evaluation, logging). */
  overheadMs?: number;
  /** (step, value) of the watched training metric, for learning curves and ASHA. */
  curve: [number, number][];
}

export interface SweepLoopOptions {
  records: TrialRecord[];
  executor: TrialExecutor;
  task(record: TrialRecord, attempt: number): TrialTask;
  objective: { metric: string; mode: 'min' | 'max' };
  /** The training metric recorded as the learning curve (and judged by ASHA). */
  curveMetric: string;
  asha?: Asha;
  maxFailures: number;
  /** Polled; a returned reason stops the sweep (running trials end KILLED). */
  shouldStop?: () => string | undefined;
  onChange?(record: TrialRecord): void | Promise<void>;
  /** A worker died: the run it had created is left RUNNING; end it FAILED with the reason. */
  markLost?(runId: string, reason: string): Promise<void>;
}

export interface SweepLoopResult {
  records: TrialRecord[];
  /** Set when the sweep was interrupted. */
  stoppedBy?: string;
}

export async function runSweepLoop(o: SweepLoopOptions): Promise<SweepLoopResult> {
  const queue = o.records.filter((r) => r.state === 'PENDING').map((r) => r.index);
  const byIndex = new Map(o.records.map((r) => [r.index, r]));
  const running = new Map<number, TrialHandle>();
  let stoppedBy: string | undefined;
  let wake: () => void = () => {};
  const marking: Promise<void>[] = [];
  const changed = async (r: TrialRecord) => o.onChange?.(r);

  const launch = (r: TrialRecord) => {
    r.attempts += 1;
    r.state = 'RUNNING';
    r.reason = undefined;
    r.curve = [];
    let run: string | undefined; // this attempt's run
    let stopping = false;
    const handle = o.executor.start(o.task(r, r.attempts), (e) => {
      if (e.type === 'started') {
        run = e.runId;
        r.runId = e.runId;
        if (!r.runIds.includes(e.runId)) r.runIds.push(e.runId);
        void changed(r);
      } else if (e.type === 'lost') {
        // The attempt goes on in a new run (another worker took it over): end the lost one, start a fresh curve.
        r.curve = [];
        if (o.markLost) marking.push(o.markLost(e.runId, e.reason).catch(() => {}));
      } else {
        const v = e.values[o.curveMetric];
        if (v === undefined) return;
        r.curve.push([e.step, v]);
        // Once stopped, later reports (a remote worker stops a little later) neither reach ASHA's rungs nor change the reason.
        if (stopping) return;
        const decision = o.asha?.onResult(String(r.index), e.step, v);
        if (decision?.action === 'stop') {
          stopping = true;
          r.reason = `stopped by ASHA at step ${e.step}: ${o.curveMetric} ${fmt(v)} worse than the rung-${decision.rung} cutoff ${fmt(decision.cutoff)}`;
          handle.stop(r.reason);
        }
      }
    });
    running.set(r.index, handle);
    void changed(r);
    handle.done
      .then((out) => settle(r, out), (e: unknown) => lost(r, e, run))
      .finally(() => {
        running.delete(r.index);
        wake();
      });
  };

  const settle = async (r: TrialRecord, out: TrialOutcome) => {
    r.durationMs = out.durationMs;
    r.overheadMs = Math.max(0, out.durationMs - out.trainMs);
    if (out.runId) {
      r.runId = out.runId;
      if (!r.runIds.includes(out.runId)) r.runIds.push(out.runId);
    } else if (out.status === 'KILLED') {
      r.attempts -= 1; // stopped before it started (the queue executor removes waiting jobs): not an attempt
    }
    if (out.status === 'FINISHED') {
      r.state = 'FINISHED';
      r.objective = out.metrics[o.objective.metric];
      if (r.objective === undefined) r.reason = out.reason ?? `the run logged no metric '${o.objective.metric}'`;
    } else if (out.status === 'KILLED' && r.reason?.startsWith('stopped by ASHA')) {
      r.state = 'STOPPED';
      r.objective = r.curve.at(-1)?.[1];
    } else if (out.status === 'KILLED') {
      r.state = 'KILLED';
      r.reason = out.reason ?? 'interrupted';
    } else {
      failed(r, out.reason ?? `run ended ${out.status}`);
    }
    await changed(r);
  };

  const lost = async (r: TrialRecord, e: unknown, run: string | undefined) => {
    const why = e instanceof WorkerLostError ? e.message : `trial could not run: ${e instanceof Error ? e.message : String(e)}`;
    if (run && o.markLost) await o.markLost(run, why).catch(() => {});
    failed(r, why);
    await changed(r);
  };

  const failed = (r: TrialRecord, reason: string) => {
    r.reason = reason;
    if (!stoppedBy && r.attempts <= o.maxFailures) {
      r.state = 'PENDING';
      queue.unshift(r.index);
    } else r.state = 'FAILED';
  };

  for (;;) {
    const stop = o.shouldStop?.();
    if (stop && !stoppedBy) {
      stoppedBy = stop;
      for (const h of running.values()) h.stop(`sweep interrupted by ${stop}`);
      for (const i of queue.splice(0)) {
        const r = byIndex.get(i)!;
        r.state = 'KILLED';
        r.reason = `sweep interrupted by ${stop} before the trial started`;
        await changed(r);
      }
    }
    while (!stoppedBy && running.size < o.executor.slots && queue.length) launch(byIndex.get(queue.shift()!)!);
    if (!running.size && (stoppedBy || !queue.length)) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 200);
    });
  }
  await Promise.all(marking);
  return { records: o.records, ...(stoppedBy ? { stoppedBy } : {}) };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
